# shellcheck shell=bash
# cargo and Gradle, from Debian (sourced by .ci/install-clients, which defines apt_tool and CLIENTS).
#
# cargo: sparse registries that require a token need cargo 1.74 or newer. Debian 12's `cargo` is
# 0.66 (Rust 1.65); `cargo-web`, Debian's newer toolchain (tested: 1.96.0+dfsg1-1~deb12u2), installs
# /usr/bin/cargo. rustup's shim, where a machine has one, is not used: the tests then run the same
# cargo on every machine, without needing RUSTUP_HOME.
apt_tool cargo-web
ln -sf /usr/bin/cargo "$CLIENTS/bin/cargo"
# ... and its own rustc (Debian's rustc-web), ahead of any rustup shim on PATH: cargo runs `rustc -vV`
# from PATH, and a rustup shim in a fresh HOME (a CI runner's) has no toolchain to run
ln -sf /usr/bin/rustc "$CLIENTS/bin/rustc"

# Gradle 4.4.1 (Debian 12's gradle 4.4.1-18; tested on OpenJDK 17, which it depends on).
apt_tool gradle
ln -sf /usr/bin/gradle "$CLIENTS/bin/gradle"

# Java's own Properties.load reads back what the gradle writer wrote (tests/unit/test_format_properties.py
# runs a one-file Java program, which needs the JDK's compiler; Debian 12: OpenJDK 17).
apt_tool openjdk-17-jdk-headless
ln -sf /usr/bin/java "$CLIENTS/bin/java"
