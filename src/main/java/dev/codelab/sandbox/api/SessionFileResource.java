package dev.codelab.sandbox.api;

import dev.codelab.sandbox.admission.ApiKeyFilter;
import dev.codelab.sandbox.execution.ExecutionPlan;
import dev.codelab.sandbox.execution.ExecutionResult;
import dev.codelab.sandbox.execution.ExecutionStatus;
import dev.codelab.sandbox.execution.ResultAggregator;
import dev.codelab.sandbox.execution.WorkspaceAnswer;
import dev.codelab.sandbox.execution.WorkspaceOps;
import dev.codelab.sandbox.execution.WorkspacePath;
import dev.codelab.sandbox.session.SessionView;
import dev.codelab.sandbox.session.Sessions;
import dev.codelab.sandbox.tenant.Tenant;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.Base64;

/**
 * /v1/sessions/{id}/files: the files of a live session's /workspace. Each operation is a cell of
 * empty code through the same pipeline and admission as any cell (it takes the session's turn,
 * resumes a hibernated session, is audited); the supervisor, never the user's code, answers it.
 */
@Path("/v1/sessions/{id}/files")
@Tag(name = "sessions")
@SecurityRequirement(name = "apiKey")
@APIResponse(responseCode = "404", description = "No such session for this key (or no such file)",
        content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = Problem.class)))
@APIResponse(responseCode = "409", description = "A cell is running in the session, or the operation did not complete",
        content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = Problem.class)))
public class SessionFileResource {

    private static final String PATH = "/{path: .+}";
    private static final String OCTETS = MediaType.APPLICATION_OCTET_STREAM;

    /** PUT's answer: the file as written. */
    @RegisterForReflection
    public record StoredFile(String path, long size) {
    }

    private final RequestValidator validator;
    private final Sessions sessions;
    private final SessionCells cells;

    SessionFileResource(RequestValidator validator, Sessions sessions, SessionCells cells) {
        this.validator = validator;
        this.sessions = sessions;
        this.cells = cells;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Every regular file under the session's /workspace, with its size",
            description = "Bounded by the files report's caps (depth, count); links, what lies deeper and names the"
                    + " path rule refuses are in `omitted` with the reason. No contents.")
    @APIResponse(responseCode = "200", description = "The listing", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = WorkspaceAnswer.Listing.class)))
    public Uni<WorkspaceAnswer.Listing> list(@PathParam("id") String id, @Context ContainerRequestContext context,
                                             @Context RoutingContext routing) {
        return operation(id, WorkspaceOps.listing(), null, context, routing).map(WorkspaceAnswer::listing);
    }

    @GET
    @Path(PATH)
    @Produces({OCTETS, MediaType.APPLICATION_JSON})
    @Operation(summary = "A file of the session's /workspace, its bytes as they are",
            description = "Only a regular file: a link is never followed (404).")
    @APIResponse(responseCode = "200", description = "The file's bytes",
            content = @Content(mediaType = OCTETS, schema = @Schema(type = SchemaType.STRING, format = "binary")))
    @APIResponse(responseCode = "400", description = "The path breaks the path rule",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "413", description = "The file is over the returned-file cap",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = Problem.class)))
    public Uni<Response> read(@PathParam("id") String id, @PathParam("path") @Parameter(description = "e.g. data/out.csv")
                              String path, @Context ContainerRequestContext context, @Context RoutingContext routing) {
        String checked = validator.returnedPath(path);
        return operation(id, WorkspaceOps.reading(checked), null, context, routing).map(answer -> {
            if (answer.read().isEmpty()) {
                if (WorkspaceAnswer.TOO_LARGE.equals(answer.unread().get(0).reason())) {
                    throw new FileTooLargeException("path", "'" + WorkspacePath.shown(checked)
                            + "' is over the returned-file cap of " + validator.returnedFileCap());
                }
                throw new WorkspaceFileNotFoundException(WorkspacePath.shown(checked));
            }
            byte[] content = Base64.getDecoder().decode(answer.read().get(0).content());
            return Response.ok(content, OCTETS).header(HttpHeaders.CONTENT_LENGTH, content.length).build();
        });
    }

    @PUT
    @Path(PATH)
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Write a file into the session's /workspace: the request body, as it is",
            description = "Within the input files' caps (codelab.execution.input.files-bytes); parent directories are made.")
    @APIResponse(responseCode = "201", description = "Written, a new file", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = StoredFile.class)))
    @APIResponse(responseCode = "200", description = "Written over a regular file that was there", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = StoredFile.class)))
    @APIResponse(responseCode = "413", description = "The body is over the input file cap",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = Problem.class)))
    public Uni<Response> write(@PathParam("id") String id, @PathParam("path") String path, byte[] body,
                               @Context ContainerRequestContext context, @Context RoutingContext routing) {
        ExecutionPlan.InputFile file = validator.upload(path, body == null ? new byte[0] : body);
        return operation(id, WorkspaceOps.none(), file, context, routing).map(answer ->
                Response.status(answer.replaced().isEmpty() ? Response.Status.CREATED : Response.Status.OK)
                        .entity(new StoredFile(file.path(), file.content().length)).build());
    }

    @DELETE
    @Path(PATH)
    @Operation(summary = "Delete a file of the session's /workspace",
            description = "Only a regular file, or a link itself (never what it names); not a directory.")
    @APIResponse(responseCode = "204", description = "Deleted")
    public Uni<Response> delete(@PathParam("id") String id, @PathParam("path") String path,
                                @Context ContainerRequestContext context, @Context RoutingContext routing) {
        String checked = validator.returnedPath(path);
        return operation(id, WorkspaceOps.deleting(checked), null, context, routing).map(answer -> {
            if (answer.deleted().isEmpty()) {
                throw new WorkspaceFileNotFoundException(WorkspacePath.shown(checked));
            }
            return Response.noContent().build();
        });
    }

    /** The operations as a cell of the session; its answer, once the cell completed. */
    private Uni<WorkspaceAnswer> operation(String id, WorkspaceOps ops, ExecutionPlan.InputFile upload,
                                           ContainerRequestContext context, RoutingContext routing) {
        Tenant tenant = ApiKeyFilter.tenantOf(context);
        SessionView session = sessions.view(id, tenant);
        ExecutionPlan cell = validator.fileOperation(tenant, session.language(), session.limits(), ops, upload);
        return cells.admit(id, tenant, cell, routing).onItem().transformToUni(ResultAggregator::aggregate)
                .map(SessionFileResource::completed);
    }

    private static WorkspaceAnswer completed(ExecutionResult result) {
        if (result.status() == ExecutionStatus.OK && result.workspace() != null) {
            return result.workspace();
        }
        String said = result.stderr() == null ? "" : WorkspacePath.shown(result.stderr().strip().replace('\n', ' '));
        boolean ended = result.session() != null && "ended".equals(result.session().state());
        throw new FileOperationFailedException("the file operation did not complete" + (ended ? "; the session ended" : "")
                + (said.isEmpty() ? "" : ": " + said));
    }
}
