package dev.codelab.sandbox.api;

import dev.codelab.sandbox.admission.Admission;
import dev.codelab.sandbox.execution.AnswerBound;
import dev.codelab.sandbox.execution.ExecutionConfig;
import dev.codelab.sandbox.execution.ExecutionPlan;
import dev.codelab.sandbox.session.SessionSpec;
import dev.codelab.sandbox.execution.WorkspaceOps;
import dev.codelab.sandbox.execution.WorkspacePath;
import dev.codelab.sandbox.pool.WarmPool;
import dev.codelab.sandbox.runtime.LanguageRuntime;
import dev.codelab.sandbox.runtime.RuntimeCatalog;
import dev.codelab.sandbox.runtime.WarmProfile;
import dev.codelab.sandbox.sandbox.SandboxLimits;
import dev.codelab.sandbox.tenant.KeyPolicy;
import dev.codelab.sandbox.tenant.Tenant;
import jakarta.enterprise.context.ApplicationScoped;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Turns a request body into an execution plan, or says exactly which JSON field is wrong and what is allowed. */
@ApplicationScoped
public class RequestValidator {

    private static final ExecutionRequest.LimitsInput NO_LIMITS =
            new ExecutionRequest.LimitsInput(null, null, null, null, null, null);
    private static final KeyPolicy.MaxLimits NO_KEY_LIMITS = new KeyPolicy.MaxLimits(null, null, null, null, null, null);
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final ExecutionConfig config;
    private final RuntimeCatalog runtimes;
    private final Admission admission;
    private final WarmPool pool;

    RequestValidator(ExecutionConfig config, RuntimeCatalog runtimes, Admission admission, WarmPool pool) {
        this.config = config;
        this.runtimes = runtimes;
        this.admission = admission;
        this.pool = pool;
    }

    /** The plan of a request for this tenant, whose key may cap the limits lower than the service does. */
    public ExecutionPlan validate(ExecutionRequest request, Tenant tenant) {
        if (request == null) {
            throw new InvalidRequestException("body", "a JSON object with at least `code` is required");
        }
        String language = request.language() == null ? RuntimeCatalog.DEFAULT_LANGUAGE : request.language();
        LanguageRuntime runtime = runtimes.find(language).orElseThrow(() -> new InvalidRequestException(
                "language", "unknown language '" + language + "'; allowed: " + String.join(", ", runtimes.languages())));
        if (request.code() == null) {
            throw new InvalidRequestException("code", "`code` is required (a string, may be empty)");
        }
        ExecutionConfig.Input caps = config.input();
        requireAtMost("code", utf8Length(request.code()), caps.codeBytes());
        String stdin = request.stdin() == null ? "" : request.stdin();
        requireAtMost("stdin", utf8Length(stdin), caps.stdinBytes());
        SandboxLimits limits = limits(request.limits(), tenant.policy().maxLimits());
        ExecutionPlan plan = new ExecutionPlan(tenant, runtime, profile(runtime, request.profile(), request.code(), limits),
                request.code(), stdin, files(request.files()), env(request.env()), limits);
        if (answerBytes(plan) > admission.answerBudgetBytes()) {
            throw new InvalidRequestException("limits.outputBytes", "with these limits and files an answer could hold "
                    + answerBytes(plan) + " bytes, more than this service's " + admission.answerBudgetBytes()
                    + " bytes for answers (codelab.admission.answers.budget-mb); ask for less output");
        }
        return plan;
    }

    /**
     * The profile the request names, else the one its code's imports pick, or the largest smaller one
     * whose sandboxes fit under the run's memory limit (a profile is a superset: a smaller one only
     * costs the cell its imports). A named profile that does not fit is refused.
     */
    private WarmProfile profile(LanguageRuntime runtime, String name, String code, SandboxLimits limits) {
        if (name == null) {
            return runtime.pick(code, profile -> pool.fits(runtime, profile, limits));
        }
        WarmProfile named = runtime.profile(name).orElseThrow(() -> new InvalidRequestException("profile", "unknown profile '"
                + name + "' for " + runtime.language() + "; allowed: " + String.join(", ", runtime.profileNames())));
        if (!named.equals(runtime.defaultProfile()) && !pool.fits(runtime, named, limits)) {
            throw new InvalidRequestException("limits.memoryMb", "profile '" + name + "' needs at least "
                    + pool.leastMemoryMb(runtime, named) + " here (its restored sandboxes already hold its preloaded "
                    + "modules), got " + limits.memoryMb() + "; ask for more memory or another profile");
        }
        return named;
    }

    /** What the request may hold of the service's memory until its answer is written, by its limits. */
    public long answerBytes(ExecutionPlan plan) {
        return AnswerBound.bytes(plan, config.output());
    }

    /** A session request for this tenant; its idle timeout lies in [1, the configured maximum]. */
    public SessionSpec session(SessionRequest request, Tenant tenant, Duration maxIdle, Duration defaultIdle) {
        SessionRequest given = request == null ? new SessionRequest(null, null, null, null, null, null) : request;
        ExecutionPlan plan = validate(new ExecutionRequest(given.language(), "", "", given.files(), given.env(),
                given.limits(), given.profile()), tenant);
        long idleMs = within("idleTimeoutMs", given.idleTimeoutMs(), defaultIdle.toMillis(), maxIdle.toMillis(), null);
        return new SessionSpec(tenant, plan.runtime(), plan.profile(), given.profile() != null, plan.limits(), plan.env(),
                plan.files(), Duration.ofMillis(idleMs));
    }

    /** A cell: code, stdin, files, and its own time and output limits (by default the session's). */
    public ExecutionPlan cell(CellRequest request, Tenant tenant, String language, SandboxLimits session) {
        if (request == null) {
            throw new InvalidRequestException("body", "a JSON object with at least `code` is required");
        }
        CellRequest.CellLimits limits = request.limits() == null ? new CellRequest.CellLimits(null, null) : request.limits();
        return validate(new ExecutionRequest(language, request.code(), request.stdin(), request.files(), null,
                new ExecutionRequest.LimitsInput(limits.timeoutMs() == null ? session.timeoutMs() : limits.timeoutMs(),
                        null, null, null, limits.outputBytes() == null ? session.outputBytes() : limits.outputBytes(),
                        null), null), tenant);
    }

    /**
     * A session's file operation: a cell of empty code with the session's limits, carrying the
     * upload (if any) and the operations for the supervisor.
     */
    public ExecutionPlan fileOperation(Tenant tenant, String language, SandboxLimits session, WorkspaceOps ops,
                                       ExecutionPlan.InputFile upload) {
        ExecutionPlan cell = cell(new CellRequest("", null, null, null), tenant, language, session);
        return new ExecutionPlan(cell.tenant(), cell.runtime(), cell.profile(), "", "",
                upload == null ? List.of() : List.of(upload), cell.env(), cell.limits(), ops);
    }

    /** A path to read or delete, by the rule of returned files. */
    public String returnedPath(String path) {
        return checkedPath("path", path, config.output().fileDepth());
    }

    /** A file to upload: its path by the rule of input files, its bytes within their cap. */
    public ExecutionPlan.InputFile upload(String path, byte[] content) {
        String checked = checkedPath("path", path, config.input().pathDepth());
        long cap = config.input().filesBytes();
        if (content.length > cap) {
            throw new FileTooLargeException("body", "is " + content.length + " bytes; a file given to a session may hold"
                    + " at most " + cap + " bytes (codelab.execution.input.files-bytes)");
        }
        return new ExecutionPlan.InputFile(checked, content);
    }

    /** The most a file read back from a session may hold (the returned-file cap), for a 413's detail. */
    public String returnedFileCap() {
        return config.output().fileBytes() + " bytes (codelab.execution.output.file-bytes)";
    }

    private List<ExecutionPlan.InputFile> files(List<ExecutionRequest.FileInput> files) {
        if (files == null) {
            return List.of();
        }
        ExecutionConfig.Input caps = config.input();
        if (files.size() > caps.files()) {
            throw new InvalidRequestException("files", "at most " + caps.files() + " files are allowed, got " + files.size());
        }
        List<ExecutionPlan.InputFile> plan = new ArrayList<>();
        Set<String> paths = new HashSet<>();
        long total = 0;
        for (int i = 0; i < files.size(); i++) {
            String field = "files[" + i + "]";
            ExecutionRequest.FileInput file = files.get(i);
            if (file == null) {
                throw new InvalidRequestException(field, "must be an object {path, content, encoding}");
            }
            String path = checkedPath(field + ".path", file.path(), caps.pathDepth());
            if (!paths.add(path)) {
                throw new InvalidRequestException(field + ".path", "duplicate path '" + path + "'");
            }
            byte[] content = decode(field, file);
            total += content.length;
            if (total > caps.filesBytes()) {
                throw new InvalidRequestException("files", "files may hold at most " + caps.filesBytes() + " bytes in total");
            }
            plan.add(new ExecutionPlan.InputFile(path, content));
        }
        return List.copyOf(plan);
    }

    private static byte[] decode(String field, ExecutionRequest.FileInput file) {
        if (file.content() == null) {
            throw new InvalidRequestException(field + ".content", "`content` is required (a string)");
        }
        String encoding = file.encoding() == null ? "utf-8" : file.encoding();
        switch (encoding) {
            case "utf-8":
                return file.content().getBytes(StandardCharsets.UTF_8);
            case "base64":
                try {
                    return Base64.getDecoder().decode(file.content().replaceAll("\\s", ""));
                } catch (IllegalArgumentException e) {
                    throw new InvalidRequestException(field + ".content", "is not valid base64");
                }
            default:
                throw new InvalidRequestException(field + ".encoding",
                        "unknown encoding '" + encoding + "'; allowed: utf-8, base64");
        }
    }

    private Map<String, String> env(Map<String, String> env) {
        if (env == null) {
            return Map.of();
        }
        if (env.size() > config.input().envVariables()) {
            throw new InvalidRequestException("env", "at most " + config.input().envVariables() + " variables are allowed");
        }
        for (Map.Entry<String, String> entry : env.entrySet()) {
            if (!ENV_NAME.matcher(entry.getKey()).matches()) {
                throw new InvalidRequestException("env", "variable name '" + entry.getKey()
                        + "' is not allowed; names match [A-Za-z_][A-Za-z0-9_]*");
            }
            if (entry.getValue() == null || entry.getValue().indexOf('\0') >= 0) {
                throw new InvalidRequestException("env." + entry.getKey(), "must be a string without NUL characters");
            }
        }
        return Map.copyOf(env);
    }

    private SandboxLimits limits(ExecutionRequest.LimitsInput given, KeyPolicy.MaxLimits keyMax) {
        ExecutionConfig.Limits defaults = config.defaults();
        ExecutionConfig.Limits max = config.max();
        ExecutionRequest.LimitsInput in = given == null ? NO_LIMITS : given;
        KeyPolicy.MaxLimits key = keyMax == null ? NO_KEY_LIMITS : keyMax;
        return new SandboxLimits(
                within("limits.timeoutMs", in.timeoutMs(), defaults.timeoutMs(), max.timeoutMs(), key.timeoutMs()),
                cpus(in.cpus(), defaults.cpus(), max.cpus(), key.cpus()),
                (int) memoryMb(in.memoryMb(), defaults.memoryMb(), max.memoryMb(), key.memoryMb()),
                (int) within("limits.pids", in.pids(), defaults.pids(), max.pids(), key.pids()),
                within("limits.outputBytes", in.outputBytes(), defaults.outputBytes(), max.outputBytes(), key.outputBytes()),
                (int) within("limits.diskMb", in.diskMb(), defaults.diskMb(), max.diskMb(), key.diskMb()));
    }

    /**
     * As within(), and never more than the memory budget holds: a run that could never start here
     * is a 400 rather than a wait that cannot end.
     */
    private long memoryMb(Number value, long fallback, long serviceMax, Number keyMax) {
        long largest = admission.largestMemoryMb();
        long max = keyMax == null ? serviceMax : Math.min(serviceMax, keyMax.longValue());
        if (max <= largest) {
            return within("limits.memoryMb", value, fallback, serviceMax, keyMax);
        }
        return bounded("limits.memoryMb", value, fallback, largest,
                " (the most this service's memory holds: " + admission.memoryBudget() + ")");
    }

    /** A value in [1, max], where a key's own maximum (if lower) replaces the service's, default capped too. */
    private static long within(String field, Number value, long fallback, long serviceMax, Number keyMax) {
        long max = keyMax == null ? serviceMax : Math.min(serviceMax, keyMax.longValue());
        String whose = keyMax != null && keyMax.longValue() < serviceMax ? " (the most this API key may ask for)" : "";
        return bounded(field, value, fallback, max, whose);
    }

    private static long bounded(String field, Number value, long fallback, long max, String whose) {
        if (max < 1) {
            throw new InvalidRequestException(field, "no value can be met here" + whose);
        }
        if (value == null) {
            return Math.min(fallback, max);
        }
        if (value.longValue() < 1 || value.longValue() > max) {
            throw new InvalidRequestException(field, "must be between 1 and " + max + whose + ", got " + value);
        }
        return value.longValue();
    }

    private static double cpus(Double value, double fallback, double serviceMax, Double keyMax) {
        double max = keyMax == null ? serviceMax : Math.min(serviceMax, keyMax);
        String whose = keyMax != null && keyMax < serviceMax ? " (the most this API key may ask for)" : "";
        if (value == null) {
            return Math.min(fallback, max);
        }
        // The API puts every limit in [1, max]; fractions above one core (1.5) are allowed.
        if (value.isNaN() || value < 1 || value > max) {
            throw new InvalidRequestException("limits.cpus", "must be between 1 and " + max + " cores" + whose
                    + ", got " + value);
        }
        return value;
    }

    private static void requireAtMost(String field, long size, long max) {
        if (size > max) {
            throw new InvalidRequestException(field, "is " + size + " bytes; at most " + max + " bytes are allowed");
        }
    }

    private static long utf8Length(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }

    private static String checkedPath(String field, String path, int maxDepth) {
        String problem = WorkspacePath.problem(path, maxDepth);
        if (problem != null) {
            throw new InvalidRequestException(field, problem + ": " + WorkspacePath.rule(maxDepth));
        }
        return path;
    }
}
