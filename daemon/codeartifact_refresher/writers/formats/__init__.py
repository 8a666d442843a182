"""Format editors shared by several tools' writers: INI (pip, twine), .npmrc (npm, pnpm, Yarn 1)."""
