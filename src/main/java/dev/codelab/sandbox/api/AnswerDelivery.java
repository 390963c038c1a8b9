package dev.codelab.sandbox.api;

import dev.codelab.sandbox.admission.AdmissionConfig;
import dev.codelab.sandbox.admission.Permit;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Holds a request's admission until its client has its answer: until the response is ended and
 * every byte of it has left the service (flushed to the socket), or the connection is gone. A
 * client that stops reading cannot make answers pile up in memory past admission's bounds: its
 * request keeps its slot, memory and answer room, and an answer that makes no progress for
 * {@code codelab.admission.answers.stall-timeout} has its connection closed.
 */
@ApplicationScoped
public class AnswerDelivery {

    private static final Logger LOG = Logger.getLogger(AnswerDelivery.class);
    private static final long CHECK_EVERY_MS = 1000;

    private final Vertx vertx;
    private final Duration stallTimeout;

    AnswerDelivery(Vertx vertx, AdmissionConfig config) {
        this.vertx = vertx;
        this.stallTimeout = config.answers().stallTimeout();
    }

    /** The events, with the permit released once they ended and the answer was delivered (or abandoned). */
    <T> Multi<T> holding(Multi<T> events, Permit permit, Uni<Void> delivered) {
        CompletableFuture<Void> ended = new CompletableFuture<>();
        Uni.combine().all().unis(Uni.createFrom().completionStage(ended), delivered).discardItems()
                .subscribe().with(done -> permit.release(), failure -> permit.release());
        return events.onTermination().invoke(() -> ended.complete(null));
    }

    /**
     * Completes once this request's response has been written out entirely, or its connection is
     * gone. Watch it from the moment the request is admitted: a stream can stall long before it ends.
     */
    Uni<Void> delivered(RoutingContext context) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Channel channel = context.request().connection() instanceof ConnectionBase connection ? connection.channel() : null;
        if (channel == null) {
            context.addEndHandler(ended -> done.complete(null));
            return Uni.createFrom().completionStage(done);
        }
        channel.closeFuture().addListener(closed -> done.complete(null));
        context.addEndHandler(ended -> flushed(channel, done));
        watchStalls(channel, done);
        return Uni.createFrom().completionStage(done);
    }

    /** An empty write completes only once everything queued before it has been flushed. */
    private static void flushed(Channel channel, CompletableFuture<Void> done) {
        if (!channel.isActive()) {
            done.complete(null);
            return;
        }
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(written -> done.complete(null));
    }

    /** Closes a connection whose queued answer bytes have not moved for the stall timeout. */
    private void watchStalls(Channel channel, CompletableFuture<Void> done) {
        long[] last = {-1, System.nanoTime()};
        vertx.setPeriodic(CHECK_EVERY_MS, timer -> {
            if (done.isDone()) {
                vertx.cancelTimer(timer);
                return;
            }
            channel.eventLoop().execute(() -> check(channel, timer, last));
        });
    }

    /** On the channel's own event loop, which alone may look into its outbound buffer. */
    private void check(Channel channel, long timer, long[] last) {
        long pending = unsent(channel.unsafe().outboundBuffer());
        long now = System.nanoTime();
        if (pending == 0 || pending != last[0]) {
            last[0] = pending;
            last[1] = now;
        } else if (now - last[1] > stallTimeout.toNanos()) {
            LOG.infof("an answer's client read nothing of its %d queued bytes for %d s; closing its connection",
                    pending, stallTimeout.toSeconds());
            vertx.cancelTimer(timer);
            // Past the pipeline: a close through it waits behind the very bytes that cannot leave.
            channel.unsafe().close(channel.unsafe().voidPromise());
        }
    }

    /**
     * The bytes still to send. Not totalPendingWriteBytes: that drops a buffer's size only once all of
     * it is written, so an answer larger than the socket's buffers, read slowly, would look stalled;
     * a partly written buffer's reader index moves as its bytes leave. Counted: what was flushed.
     */
    private static long unsent(ChannelOutboundBuffer queued) {
        if (queued == null) {
            return 0;
        }
        long[] bytes = {0};
        try {
            queued.forEachFlushedMessage(message -> {
                bytes[0] += message instanceof ByteBuf buffer ? buffer.readableBytes()
                        : message instanceof ByteBufHolder holder ? holder.content().readableBytes() : 1;
                return true;
            });
        } catch (Exception e) {
            return queued.totalPendingWriteBytes();
        }
        return bytes[0];
    }
}
