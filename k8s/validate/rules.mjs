// What the schemas cannot say: the settings of codelab-sandbox's objects that must agree with each
// other for sessions to outlive their pod (k8s/README.md, "Sessions across replicas").
//
//   codelabRules(objects) -> ["problem", ...]   for one rendering's objects
//
// - the Deployment mounts a ReadWriteMany claim at CODELAB_SESSION_SHARED_DIR;
// - CODELAB_SESSION_POD is the pod's own name (the downward API), so replicas never share a name;
// - terminationGracePeriodSeconds covers the preStop pause, the longest cell and the drain;
// - the hibernation budget fits in the claim;
// - the warm pool's memory budget holds both profiles' pools (measured per pooled sandbox, docs/bench.md).

const SECONDS = { ms: 0.001, s: 1, m: 60, h: 3600 };
// Host memory of one pooled sandbox per warm profile, MiB, rounded up from docs/bench.md ("Warm profiles").
const POOLED_MIB = { base: 90, ml: 160 };

function seconds(duration) {
  const match = /^(\d+)(ms|s|m|h)$/.exec(String(duration ?? ""));
  return match ? Number(match[1]) * SECONDS[match[2]] : NaN;
}

function mebibytes(quantity) {
  const match = /^(\d+)(Mi|Gi|Ti)$/.exec(String(quantity ?? ""));
  return match ? Number(match[1]) * { Mi: 1, Gi: 1024, Ti: 1024 * 1024 }[match[2]] : NaN;
}

export function codelabRules(objects) {
  const deployment = objects.find((o) => o.kind === "Deployment" && o.metadata?.name === "codelab-sandbox");
  if (!deployment) return [];
  const problems = [];
  const pod = deployment.spec.template.spec;
  const container = pod.containers.find((c) => c.name === "codelab-sandbox");
  const config = {};
  for (const source of container.envFrom ?? []) {
    const map = objects.find((o) => o.kind === "ConfigMap" && o.metadata?.name === source.configMapRef?.name);
    Object.assign(config, map?.data ?? {});
  }
  const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e]));
  const setting = (name) => env[name]?.value ?? config[name];

  const sharedDir = setting("CODELAB_SESSION_SHARED_DIR");
  const mount = (container.volumeMounts ?? []).find((m) => m.mountPath === sharedDir);
  const volume = mount && (pod.volumes ?? []).find((v) => v.name === mount.name);
  const claim = volume?.persistentVolumeClaim &&
    objects.find((o) => o.kind === "PersistentVolumeClaim" && o.metadata?.name === volume.persistentVolumeClaim.claimName);
  if (!sharedDir) {
    problems.push("CODELAB_SESSION_SHARED_DIR is not set: sessions would live and die with their pod");
  } else if (!claim) {
    problems.push(`CODELAB_SESSION_SHARED_DIR ${sharedDir} is not a PersistentVolumeClaim mounted by the pod`);
  } else if (!(claim.spec.accessModes ?? []).includes("ReadWriteMany")) {
    problems.push(`the claim ${claim.metadata.name} at ${sharedDir} is not ReadWriteMany: other replicas cannot take sessions over`);
  }
  if (env.CODELAB_SESSION_POD?.valueFrom?.fieldRef?.fieldPath !== "metadata.name") {
    problems.push("CODELAB_SESSION_POD must come from the pod's metadata.name (fieldRef)");
  }

  const preStop = (container.lifecycle?.preStop?.exec?.command ?? []).join(" ");
  const pause = /^sleep (\d+)$/.test(preStop) ? Number(preStop.split(" ")[1]) : 0;
  const longestCell = Number(setting("CODELAB_EXECUTION_MAX_TIMEOUT_MS")) / 1000;
  const drain = seconds(setting("CODELAB_SESSION_DRAIN_TIMEOUT") ?? "60s");
  const needed = pause + longestCell + drain;
  const grace = pod.terminationGracePeriodSeconds ?? 30;
  if (!(grace >= needed)) {
    problems.push(`terminationGracePeriodSeconds ${grace} is under preStop ${pause} s + longest cell ${longestCell} s`
      + ` + drain ${drain} s = ${needed} s: live sessions would be killed, not saved`);
  }
  const budget = Number(setting("CODELAB_SESSION_HIBERNATION_DISK_MB"));
  const size = mebibytes(claim?.spec.resources?.requests?.storage);
  if (claim && !(budget < size)) {
    problems.push(`CODELAB_SESSION_HIBERNATION_DISK_MB ${budget} does not fit in the claim's ${claim.spec.resources?.requests?.storage}`);
  }
  const pools = Number(setting("CODELAB_POOL_SIZE") ?? 4) * POOLED_MIB.base
    + Number(setting("CODELAB_POOL_ML_SIZE") ?? 1) * POOLED_MIB.ml;
  const poolBudget = Number(setting("CODELAB_POOL_MEMORY_BUDGET_MB") ?? 1024);
  if (!(pools <= poolBudget)) {
    problems.push(`CODELAB_POOL_MEMORY_BUDGET_MB ${poolBudget} does not hold the pools: CODELAB_POOL_SIZE x ${POOLED_MIB.base}`
      + ` + CODELAB_POOL_ML_SIZE x ${POOLED_MIB.ml} = ${pools} MiB`);
  }
  return problems;
}
