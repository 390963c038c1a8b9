package dev.codelab.sandbox.execution;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codelab.sandbox.execution.ExecutionResult.OmittedFile;
import dev.codelab.sandbox.execution.ExecutionResult.OutputFile;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns the supervisor's payloads into response fields, checking each against the API contract:
 * mime bundles, returned files (paths by the input rules, sizes as decoded, caps) and the exit
 * report. Whatever fails a check is {@link Invalid}, which ends the run as an error.
 */
final class SandboxOutput {

    /** A payload that breaks the contract. */
    static final class Invalid extends Exception {
        Invalid(String what) {
            super(what);
        }
    }

    @RegisterForReflection
    record FilesFrame(List<OutputFile> files, List<OmittedFile> omitted, WorkspaceAnswer workspace) {
    }

    private static final int MIME_TYPE_CHARS = 100;
    /** How deep a bundle may nest, the bundle object itself being level 1 (runsc/PROTOCOL.md). */
    private static final int MAX_NESTING = 64;
    private static final int MAX_BUNDLE_KEYS = 32;
    private static final int REASON_CHARS = 100;
    private static final int DISPLAY_ID_CHARS = 128;
    private static final int ENAME_CHARS = 200;
    private static final int TRACEBACK_LINES = 1000;
    private static final TypeReference<LinkedHashMap<String, Object>> OBJECT = new TypeReference<>() { };

    private final ObjectMapper json;
    private final ExecutionConfig.Output caps;

    SandboxOutput(ObjectMapper json, ExecutionConfig.Output caps) {
        this.json = json;
        this.caps = caps;
    }

    /**
     * A result or display: mime type to string, text/plain present; a JSON type (subtype json or
     * *+json, as Jupyter allows) may hold any JSON (runsc/PROTOCOL.md).
     */
    Map<String, Object> bundle(byte[] payload) throws Invalid {
        return bundle(parse(payload, OBJECT, "display"));
    }

    private static Map<String, Object> bundle(Map<String, Object> bundle) throws Invalid {
        if (bundle.size() > MAX_BUNDLE_KEYS || !(bundle.get("text/plain") instanceof String)) {
            throw new Invalid("a display without text/plain or with too many forms");
        }
        Map<String, Object> checked = new LinkedHashMap<>();
        for (Map.Entry<String, Object> form : bundle.entrySet()) {
            String mime = form.getKey();
            if (!mimeType(mime)) {
                throw new Invalid("a display with a malformed mime type");
            }
            Object value = form.getValue();
            if (value instanceof String text) {
                checked.put(mime, wellFormed(text));
            } else if (jsonType(mime) && depth(value) < MAX_NESTING) {
                checked.put(mime, value);
            } else {
                throw new Invalid("a display whose " + mime + " is not a string");
            }
        }
        return checked;
    }

    /**
     * A display with an id (U): exactly {id, update, data}; the id 1 to 128 characters, none on the
     * path rule's refused list; data a bundle. A new display has update null, an update true.
     */
    @SuppressWarnings("unchecked")
    ExecutionResult.Display displayWithId(byte[] payload) throws Invalid {
        Map<String, Object> message = parse(payload, OBJECT, "display");
        if (!message.keySet().equals(Set.of("id", "update", "data")) || !(message.get("id") instanceof String id)
                || !(message.get("update") instanceof Boolean update) || !(message.get("data") instanceof Map<?, ?> data)) {
            throw new Invalid("a display with an id that is not {id, update, data}");
        }
        if (id.isEmpty() || id.codePointCount(0, id.length()) > DISPLAY_ID_CHARS || !WorkspacePath.allowed(id)) {
            throw new Invalid("a display id that breaks its rule");
        }
        return new ExecutionResult.Display(bundle((Map<String, Object>) data), id, update ? Boolean.TRUE : null);
    }

    /** The cell's error (V): exactly {ename, evalue, traceback}; ename 1 to 200 characters, at most 1000 lines. */
    ExecutionResult.Error error(byte[] payload) throws Invalid {
        Map<String, Object> error = parse(payload, OBJECT, "error");
        if (!error.keySet().equals(Set.of("ename", "evalue", "traceback")) || !(error.get("ename") instanceof String ename)
                || !(error.get("evalue") instanceof String evalue) || !(error.get("traceback") instanceof List<?> lines)
                || ename.isEmpty() || ename.codePointCount(0, ename.length()) > ENAME_CHARS || lines.size() > TRACEBACK_LINES
                || !lines.stream().allMatch(String.class::isInstance)) {
            throw new Invalid("an error that is not {ename, evalue, traceback} within its bounds");
        }
        return new ExecutionResult.Error(wellFormed(ename), wellFormed(evalue),
                lines.stream().map(line -> wellFormed((String) line)).toList());
    }

    /** How deep a parsed JSON value nests (a scalar: 0); Jackson has refused anything past 1000 already. */
    private static int depth(Object value) {
        if (value instanceof Map<?, ?> map) {
            return 1 + map.values().stream().mapToInt(SandboxOutput::depth).max().orElse(0);
        }
        if (value instanceof List<?> list) {
            return 1 + list.stream().mapToInt(SandboxOutput::depth).max().orElse(0);
        }
        return 0;
    }

    /** Printable ASCII, at most 100 characters, type/subtype with one '/' before any ';' parameters. */
    static boolean mimeType(String key) {
        if (key.isEmpty() || key.length() > MIME_TYPE_CHARS || !key.chars().allMatch(c -> c >= 0x20 && c <= 0x7E)) {
            return false;
        }
        int parameters = key.indexOf(';');
        String type = parameters < 0 ? key : key.substring(0, parameters);
        int slash = type.indexOf('/');
        return slash > 0 && slash < type.length() - 1 && type.indexOf('/', slash + 1) < 0;
    }

    /** application/json, application/vnd.vegalite.v5+json, with or without parameters. */
    static boolean jsonType(String mime) {
        int parameters = mime.indexOf(';');
        String type = (parameters < 0 ? mime : mime.substring(0, parameters)).strip();
        String subtype = type.substring(type.indexOf('/') + 1);
        return subtype.equals("json") || subtype.endsWith("+json");
    }

    /**
     * The files report: every path by the input rules, sizes as decoded, within the caps; and, for a
     * cell with file operations, exactly their answer.
     */
    FilesFrame files(byte[] payload, ExecutionPlan plan) throws Invalid {
        FilesFrame frame = parse(payload, new TypeReference<FilesFrame>() { }, "files");
        List<OutputFile> files = frame.files() == null ? List.of() : frame.files();
        List<OmittedFile> omitted = frame.omitted() == null ? List.of() : frame.omitted();
        if (files.size() > caps.files()) {
            throw new Invalid("a files report over its count");
        }
        Set<String> paths = new HashSet<>();
        for (OutputFile file : files) {
            if (file == null || WorkspacePath.problem(file.path(), caps.fileDepth()) != null || !paths.add(file.path())) {
                throw new Invalid("a returned file whose path breaks the rules");
            }
        }
        if ((frame.workspace() == null) != (plan.workspace() == null)) {
            throw new Invalid("a files report " + (plan.workspace() == null ? "with" : "without") + " file operations");
        }
        return new FilesFrame(returned(files), shown(omitted),
                plan.workspace() == null ? null : workspace(frame.workspace(), plan));
    }

    /** Returned files (paths checked by the caller): sizes as decoded, each and all within the caps. */
    private List<OutputFile> returned(List<OutputFile> files) throws Invalid {
        List<OutputFile> checked = new ArrayList<>(files.size());
        long total = 0;
        for (OutputFile file : files) {
            byte[] content = decode(file);
            total += content.length;
            if (content.length != file.size() || content.length > caps.fileBytes() || total > caps.filesBytes()) {
                throw new Invalid("a returned file whose size is wrong or over the caps");
            }
            checked.add(new OutputFile(file.path(), content.length, file.content(), "base64"));
        }
        return List.copyOf(checked);
    }

    /** Omitted files, at most the count, each with a path and a short reason; shown by the rule's list. */
    private List<OmittedFile> shown(List<OmittedFile> omitted) throws Invalid {
        if (omitted == null || omitted.size() > caps.files()) {
            throw new Invalid("omitted files over their count");
        }
        List<OmittedFile> shown = new ArrayList<>(omitted.size());
        for (OmittedFile file : omitted) {
            if (file == null || file.path() == null || file.reason() == null || file.reason().length() > REASON_CHARS) {
                throw new Invalid("an omitted file without a path or reason");
            }
            shown.add(new OmittedFile(WorkspacePath.shown(file.path()), WorkspacePath.shown(file.reason())));
        }
        return List.copyOf(shown);
    }

    /**
     * The answer to the cell's file operations: each list present, no path twice; replaced among the
     * cell's files, deleted among the deletes asked; read and unread exactly the reads asked, unread
     * with one of the supervisor's words; the listing present exactly when asked, within the caps.
     */
    private WorkspaceAnswer workspace(WorkspaceAnswer answer, ExecutionPlan plan) throws Invalid {
        WorkspaceOps asked = plan.workspace();
        if (answer.replaced() == null || answer.deleted() == null || answer.read() == null || answer.unread() == null
                || (answer.listing() == null) == asked.list()) {
            throw new Invalid("a file operations answer without its parts");
        }
        within(answer.replaced(), plan.files().stream().map(ExecutionPlan.InputFile::path).toList(), "replaced");
        within(answer.deleted(), asked.delete(), "deleted");
        List<String> reads = new ArrayList<>();
        answer.read().forEach(file -> reads.add(file == null ? null : file.path()));
        for (WorkspaceAnswer.Unread unread : answer.unread()) {
            if (unread == null || !(WorkspaceAnswer.NO_SUCH_FILE.equals(unread.reason())
                    || WorkspaceAnswer.TOO_LARGE.equals(unread.reason()))) {
                throw new Invalid("an unread file without the supervisor's reason");
            }
            reads.add(unread.path());
        }
        within(reads, asked.read(), "read");
        if (reads.size() != asked.read().size()) {
            throw new Invalid("a file operations answer that does not answer every read");
        }
        return new WorkspaceAnswer(List.copyOf(answer.replaced()), List.copyOf(answer.deleted()), returned(answer.read()),
                List.copyOf(answer.unread()), answer.listing() == null ? null : listing(answer.listing()));
    }

    /** Distinct paths, each among those allowed. */
    private static void within(List<String> paths, List<String> allowed, String what) throws Invalid {
        if (paths.stream().anyMatch(path -> path == null || !allowed.contains(path)) || new HashSet<>(paths).size() != paths.size()) {
            throw new Invalid("a file operations answer whose " + what + " paths were not asked for or come twice");
        }
    }

    private WorkspaceAnswer.Listing listing(WorkspaceAnswer.Listing listing) throws Invalid {
        if (listing.files() == null || listing.files().size() > caps.files()) {
            throw new Invalid("a listing over its count");
        }
        Set<String> paths = new HashSet<>();
        for (WorkspaceAnswer.ListedFile file : listing.files()) {
            if (file == null || WorkspacePath.problem(file.path(), caps.fileDepth()) != null || !paths.add(file.path())
                    || file.size() < 0) {
                throw new Invalid("a listed file whose path or size breaks the rules");
            }
        }
        return new WorkspaceAnswer.Listing(List.copyOf(listing.files()), shown(listing.omitted()));
    }

    ExitReport exit(byte[] payload) throws Invalid {
        return parse(payload, new TypeReference<ExitReport>() { }, "exit report").checked();
    }

    private static byte[] decode(OutputFile file) throws Invalid {
        if (file.content() == null || !"base64".equals(file.encoding())) {
            throw new Invalid("a returned file without base64 content");
        }
        try {
            return Base64.getDecoder().decode(file.content());
        } catch (IllegalArgumentException e) {
            throw new Invalid("a returned file whose content is not base64");
        }
    }

    private <T> T parse(byte[] payload, TypeReference<T> type, String what) throws Invalid {
        try {
            T value = json.readValue(payload, type);
            if (value == null) {
                throw new Invalid("an empty " + what);
            }
            return value;
        } catch (IOException e) {
            throw new Invalid("a malformed " + what);
        }
    }

    /** The text with every lone surrogate replaced by U+FFFD, as the API's strict UTF-8 asks. */
    static String wellFormed(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean paired = Character.isHighSurrogate(c) ? i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))
                    : !Character.isLowSurrogate(c) || (i > 0 && Character.isHighSurrogate(text.charAt(i - 1)));
            if (!paired && out == null) {
                out = new StringBuilder(text.length()).append(text, 0, i);
            }
            if (out != null) {
                out.append(paired ? c : '\uFFFD');
            }
        }
        return out == null ? text : out.toString();
    }
}
