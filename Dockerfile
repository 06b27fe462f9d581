# syntax=docker/dockerfile:1
#
# campaign-tracker container image.
#
#   docker build -t campaign-tracker .
#   docker run -p 8080:8080 -v campaign-data:/app/data campaign-tracker
#
# With no DATABASE_URL the service keeps an embedded SQLite database (and its
# generated JWT key, unless JWT_KEYS is set) in /app/data, so mount a volume
# there. Set DATABASE_URL=postgres://... to use PostgreSQL instead; see
# docker-compose.yml for a ready-made pairing with postgres:16.

# ---------------------------------------------------------------- build stage
FROM rust:1-bookworm AS build

# libpq for diesel's "postgres" feature (pq-sys links it dynamically).
# SQLite needs nothing: libsqlite3-sys is built with its "bundled" feature.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src

# The whole tree (minus what .dockerignore drops): Cargo.toml/Cargo.lock, src/,
# migrations/ (embedded at compile time), tests/ (Cargo.toml names a test
# target by path), and whatever data files the crate includes.
COPY . .

# The cache mounts keep the crates.io download and compiled dependencies
# between builds; the binary is copied out of the cached target dir in the
# same step, since cache mounts are not part of the image.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked \
    && install -D -m 0755 target/release/campaign-tracker /out/campaign-tracker

# -------------------------------------------------------------- runtime stage
FROM debian:bookworm-slim AS runtime

RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 ca-certificates \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin app \
    && mkdir -p /app/data \
    && chown -R app:app /app \
    && chmod 0750 /app/data

COPY --from=build /out/campaign-tracker /usr/local/bin/campaign-tracker

WORKDIR /app
USER app:app

ENV BIND_ADDR=0.0.0.0:8080 \
    DATA_DIR=/app/data \
    RUST_LOG=info

# A named volume mounted here starts as a copy of this directory, so it is
# owned by the app user and writable without extra steps.
VOLUME ["/app/data"]

EXPOSE 8080

# No HEALTHCHECK here: the slim image has no curl. docker-compose.yml probes
# GET /readyz with bash's /dev/tcp instead.

ENTRYPOINT ["campaign-tracker"]
CMD ["serve"]
