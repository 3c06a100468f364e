# Laminar's container image: `make image` builds it.
#
# Stage 1 compiles a static binary with the Go toolchain; stage 2 is Debian
# slim with only what the server needs at run time: the PostgreSQL client
# (pg_dump and pg_restore, for `laminar backup` and `laminar restore`), CA
# certificates and time zones. The server runs as an unprivileged user.
# pg_dump must be at least the server's major version: the default Debian
# release ships the client for PostgreSQL 15; build with
# --build-arg DEBIAN=trixie for PostgreSQL 17.
ARG DEBIAN=bookworm

FROM golang:1.26-${DEBIAN} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/laminar ./cmd/laminar

FROM debian:${DEBIAN}-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /var/lib/laminar --create-home --shell /usr/sbin/nologin laminar
COPY --from=build /out/laminar /usr/local/bin/laminar
USER 10001:10001
WORKDIR /var/lib/laminar
# An external PostgreSQL (DATABASE_URL) is expected in a container; the
# data directory keeps the audit checkpoints and their keys.
ENV LAMINAR_ADDR=:8080 \
    LAMINAR_DATA_DIR=/var/lib/laminar
VOLUME ["/var/lib/laminar"]
EXPOSE 8080
# Liveness of the process; orchestrators route traffic on /readyz.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["laminar", "healthcheck", "http://127.0.0.1:8080/healthz"]
ENTRYPOINT ["laminar"]
CMD ["serve"]
