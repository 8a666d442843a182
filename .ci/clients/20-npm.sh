# The npm family's clients (sourced by .ci/install-clients). npm itself comes with node.
npm_tool pnpm@12.21.0 pnpm pnpx
npm_tool yarn@1.22.22 yarn
npm_tool bun@1.4.5 bun
# Yarn Berry's command is also called `yarn`: it gets its own prefix (a second global `yarn` bin
# would collide with Yarn 1's) and is linked into .clients/bin as `yarn-berry`.
berry=$CLIENTS/yarn-berry
if [ "$(cat "$berry/.requirement" 2>/dev/null)" != "@yarnpkg/cli-dist@4.18.1" ]; then
    npm install --prefix "$berry" --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
        --userconfig=/dev/null @yarnpkg/cli-dist@4.18.1 >/dev/null
    echo "@yarnpkg/cli-dist@4.18.1" >"$berry/.requirement"
fi
ln -sf "$berry/node_modules/@yarnpkg/cli-dist/bin/yarn.js" "$CLIENTS/bin/yarn-berry"
