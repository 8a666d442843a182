# Maven (Debian's 3.8.7, tested) and a JDK with javac: tests/e2e/test_maven.py runs `mvn` and
# compiles a small program against the installed Maven's own settings reader.
if ! command -v mvn >/dev/null 2>&1 || ! command -v javac >/dev/null 2>&1; then
    apt_tool maven default-jdk-headless
fi
