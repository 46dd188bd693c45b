package io.inferstream.serve;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.inferstream.http.HttpSecurity;

/**
 * Bearer tokens for gRPC, by the same rule as REST ({@link HttpSecurity#admits}, keyed by {@code /service/method}): a
 * call without an accepted {@code authorization: Bearer <token>} metadata entry ends UNAUTHENTICATED with no detail,
 * before the service sees it.
 *
 * <p>Thread safety: immutable.
 */
final class GrpcTokenCheck implements ServerInterceptor {
    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private final HttpSecurity security;

    GrpcTokenCheck(HttpSecurity security) {
        this.security = security;
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
            ServerCallHandler<Q, A> next) {
        if (security.admits("/" + call.getMethodDescriptor().getFullMethodName(), headers.get(AUTHORIZATION))) {
            return next.startCall(call, headers);
        }
        call.close(Status.UNAUTHENTICATED, new Metadata());
        return new ServerCall.Listener<>() {
        };
    }
}
