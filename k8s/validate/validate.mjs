// Strict, offline validation of rendered Kubernetes manifests.
//
//   node validate.mjs LABEL=FILE [LABEL=FILE ...]
//
// Each FILE is a multi-document YAML stream (the output of `kubectl kustomize`);
// LABEL names it in messages. Every object is checked against the JSON schema
// of its apiVersion/kind, converted from the Kubernetes OpenAPI definitions that
// the kubernetes-models package ships (Kubernetes 1.27 API), and of KEDA's
// ScaledObject from @kubernetes-models/keda (KEDA's CRD). Checking is strict,
// like `kubectl apply --validate=strict`: a field the schema does not define is
// an error, and so is an object whose apiVersion/kind has no schema.
//
// Then the settings of codelab-sandbox's objects that must agree with each other (rules.mjs).
//
// Prints one line per problem, then a summary; exits 1 on any invalid object.

import { createRequire } from "node:module";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { parseAllDocuments } from "yaml";
import { codelabRules } from "./rules.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const modules = join(here, "node_modules");

// --- Schemas --------------------------------------------------------------
// kubernetes-models (up to 4.3.x) ships each OpenAPI definition as a module
// whose addSchema() hands the raw schema to @kubernetes-models/validate's
// register(id, schema). Swapping register for a collector yields every
// definition by its OpenAPI id, to compile with our own, strict, Ajv.
//
// CRD packages of the same generation (@kubernetes-models/keda 0.3.x) keep each
// kind's schema behind its model class instead: base's setSchema() stores a
// function on the class's prototype that registers it, and calling that
// function hands the schema to the same collector.
const CRD_KINDS = [
  { pkg: "@kubernetes-models/keda", module: "keda.sh/v1alpha1/ScaledObject.js", kind: "ScaledObject" },
];

function loadDefinitions() {
  const definitions = new Map();
  const packages = ["kubernetes-models", "@kubernetes-models/apimachinery"];
  const files = packages.flatMap((pkg) => {
    const dir = join(modules, pkg, "_schemas");
    return readdirSync(dir).filter((f) => f.endsWith(".js")).map((f) => join(dir, f));
  });
  for (const pkg of [...packages, ...CRD_KINDS.map((c) => c.pkg)]) {
    const requireFrom = createRequire(join(modules, pkg, "package.json"));
    requireFrom("@kubernetes-models/validate").register = (id, schema) => {
      if (!definitions.has(id)) definitions.set(id, schema);
    };
  }
  const require = createRequire(import.meta.url);
  for (const file of files) require(file).addSchema();
  if (definitions.size < 500) {
    throw new Error(`only ${definitions.size} schema definitions loaded from kubernetes-models`);
  }
  for (const { pkg, module, kind } of CRD_KINDS) {
    const model = require(join(modules, pkg, module))[kind];
    const prototype = model?.prototype ?? {};
    const addSchema = Object.getOwnPropertySymbols(prototype).map((s) => prototype[s]).find((v) => typeof v === "function");
    if (!addSchema) throw new Error(`${pkg} ${module}: no schema registration found on ${kind}`);
    addSchema();
  }
  return definitions;
}

// The converted definitions allow any extra property (as OpenAPI v2 does by
// default); close every object schema that lists its properties. Optional
// references come as oneOf [ref, null]; rewrite them as if-null-else-ref so a
// bad value reports the ref's own errors and not a oneOf mismatch.
function strict(schema) {
  if (Array.isArray(schema)) return schema.map(strict);
  if (schema === null || typeof schema !== "object") return schema;
  const alternatives = schema.oneOf;
  if (Array.isArray(alternatives) && alternatives.length === 2) {
    const nullable = alternatives.findIndex((s) => s.type === "null" && Object.keys(s).length === 1);
    if (nullable >= 0) {
      const { oneOf, ...rest } = schema;
      return { ...strict(rest), if: { type: "null" }, then: true, else: strict(alternatives[1 - nullable]) };
    }
  }
  const out = { ...schema };
  if (out.properties) {
    out.properties = Object.fromEntries(Object.entries(out.properties).map(([k, v]) => [k, strict(v)]));
    if (!("additionalProperties" in out)) out.additionalProperties = false;
  }
  if (typeof out.additionalProperties === "object") out.additionalProperties = strict(out.additionalProperties);
  if (out.items) out.items = strict(out.items);
  for (const key of ["oneOf", "anyOf", "allOf"]) if (out[key]) out[key] = strict(out[key]);
  return out;
}

// Same grammar as resource.Quantity: signed decimal, then a binary SI, decimal
// SI or exponent suffix.
const QUANTITY = /^[+-]?(?:\d+|\d+\.\d+|\d+\.|\.\d+)(?:[KMGTPE]i|[numkMGTPE]|[eE][+-]?(?:\d+|\d+\.\d+|\d+\.|\.\d+))?$/;

function buildValidators(definitions) {
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictTypes: false });
  addFormats(ajv);
  ajv.addFormat("quantity", { type: "string", validate: QUANTITY });
  const byKind = new Map();
  for (const [id, schema] of definitions) {
    ajv.addSchema(strict(schema), id);
    const apiVersions = schema.properties?.apiVersion?.enum;
    const kinds = schema.properties?.kind?.enum;
    if (apiVersions?.length === 1 && kinds?.length === 1) byKind.set(`${apiVersions[0]}/${kinds[0]}`, id);
  }
  return { ajv, byKind };
}

// --- Messages ---------------------------------------------------------------
// JSON pointer "/spec/template/spec/containers/0/image" -> "spec.template.spec.containers[0].image"
function fieldPath(pointer, extra) {
  const parts = pointer.split("/").slice(1).map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  if (extra !== undefined) parts.push(extra);
  let out = "";
  for (const p of parts) {
    if (/^\d+$/.test(p)) out += `[${p}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(p)) out += out ? `.${p}` : p;
    else out += `[${JSON.stringify(p)}]`;
  }
  return out || "(object)";
}

function shown(value) {
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function describe(errors) {
  const lines = new Map();
  const add = (path, message) => lines.set(`${path}: ${message}`, true);
  // A value that matches none of several alternatives (int-or-string, quantity)
  // reports every alternative's failure: keep one line for the whole choice.
  const choices = new Set(errors.filter((e) => e.keyword === "oneOf" || e.keyword === "anyOf")
    .map((e) => e.instancePath));
  for (const e of errors) {
    if (e.keyword === "if") continue;
    if (e.keyword === "oneOf" || e.keyword === "anyOf") {
      const types = e.schema.map((s) => s.format ? `${s.type} (${s.format})` : s.type).filter(Boolean);
      add(fieldPath(e.instancePath), `must be one of ${types.join(" or ")}, got ${shown(e.data)}`);
      continue;
    }
    if (choices.has(e.instancePath)) continue;
    switch (e.keyword) {
      case "additionalProperties":
        add(fieldPath(e.instancePath, e.params.additionalProperty), "unknown field");
        break;
      case "required":
        add(fieldPath(e.instancePath, e.params.missingProperty), "required field is missing");
        break;
      case "enum":
        add(fieldPath(e.instancePath), `must be one of ${e.params.allowedValues.map(shown).join(", ")}, got ${shown(e.data)}`);
        break;
      case "type":
        add(fieldPath(e.instancePath), `must be ${e.params.type}, got ${shown(e.data)}`);
        break;
      default:
        add(fieldPath(e.instancePath), `${e.message}, got ${shown(e.data)}`);
    }
  }
  return [...lines.keys()];
}

// --- Main ------------------------------------------------------------------
const inputs = process.argv.slice(2).map((arg) => {
  const at = arg.indexOf("=");
  if (at <= 0) {
    console.error(`usage: node validate.mjs LABEL=FILE [LABEL=FILE ...] (got ${JSON.stringify(arg)})`);
    process.exit(2);
  }
  return { label: arg.slice(0, at), file: arg.slice(at + 1) };
});
if (inputs.length === 0) {
  console.error("usage: node validate.mjs LABEL=FILE [LABEL=FILE ...]");
  process.exit(2);
}

const { ajv, byKind } = buildValidators(loadDefinitions());
let total = 0;
let invalid = 0;
let empty = 0;

for (const { label, file } of inputs) {
  // YAML 1.1, as the API server reads it (so an unquoted `on` is a boolean).
  const docs = parseAllDocuments(readFileSync(file, "utf8"), { version: "1.1" });
  let count = 0;
  const objects = [];
  for (const doc of docs) {
    if (doc.contents === null) continue;
    count++;
    total++;
    const problems = [];
    let name = `document ${count}`;
    if (doc.errors.length > 0) {
      problems.push(...doc.errors.map((e) => `YAML: ${e.message.split("\n")[0].replace(/:$/, "")}`));
    } else {
      const obj = doc.toJS({ maxAliasCount: 100 });
      if (obj === null || typeof obj !== "object" || Array.isArray(obj)) {
        problems.push("not an object");
      } else {
        const meta = obj.metadata ?? {};
        name = `${obj.kind ?? "?"} ${meta.namespace ? `${meta.namespace}/` : ""}${meta.name ?? "?"}`;
        const id = byKind.get(`${obj.apiVersion}/${obj.kind}`);
        objects.push(obj);
        if (!id) {
          problems.push(`no schema for apiVersion ${shown(obj.apiVersion)} kind ${shown(obj.kind)} (unknown or removed API)`);
        } else {
          if (!ajv.validate(id, obj)) problems.push(...describe(ajv.errors));
          if (typeof meta.name !== "string" || meta.name === "") problems.push("metadata.name: required field is missing");
        }
      }
    }
    if (problems.length > 0) {
      invalid++;
      for (const p of problems) console.error(`INVALID ${label}: ${name}: ${p}`);
    }
  }
  const disagreements = codelabRules(objects);
  if (disagreements.length > 0) {
    invalid++;
    for (const p of disagreements) console.error(`INVALID ${label}: settings disagree: ${p}`);
  }
  if (count === 0) {
    console.error(`INVALID ${label}: rendered no objects`);
    empty++;
  }
}

if (invalid > 0 || empty > 0) {
  const emptyNote = empty > 0 ? `, ${empty} rendering(s) empty` : "";
  console.error(`k8s: ${invalid} of ${total} objects invalid${emptyNote}`);
  process.exit(1);
}
console.log(`k8s: ${total} objects valid`);
