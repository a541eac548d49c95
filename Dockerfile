# Multi-stage build: compile in the Rust image, run in a slim Debian.
FROM rust:1.95-bookworm AS build
WORKDIR /src

# 1. The dependencies, in a layer of their own that only Cargo.toml and
# Cargo.lock invalidate, so a source change does not rebuild them. Cargo reads
# every target the manifest declares (the lib, the `trustplan` bin and the
# `api` test), so each gets a placeholder file, although only the bin is built.
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src tests/api \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs tests/api/main.rs \
    && cargo build --release --locked --bin trustplan

# 2. The crate itself. COPY keeps the files' modification times, which can be
# older than the placeholder build; touching the crate roots makes cargo rebuild
# the crate rather than keep the placeholder. migrations/ (embed_migrations!) and
# demo/ (include_str!) are compiled in.
COPY src ./src
COPY migrations ./migrations
COPY demo ./demo
RUN touch src/main.rs src/lib.rs \
    && cargo build --release --locked --bin trustplan

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 trustplan
COPY --from=build /src/target/release/trustplan /usr/local/bin/trustplan
USER trustplan
ENV BIND_ADDR=0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["trustplan"]
CMD ["serve"]
