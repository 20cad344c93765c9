#!/usr/bin/env bash
# Builds Regija's stylesheet and copies GOV.UK Frontend's script into the Django static folder.
# Run after `npm ci` in this folder. The output is committed, so installing Regija needs no Node;
# .ci/run rebuilds it and fails when the committed files differ from what the sources give.
set -euo pipefail
cd "$(dirname "$0")"
STATIC=../src/regija/core/static
mkdir -p "$STATIC/regija" "$STATIC/vendor/govuk-frontend"
node_modules/.bin/sass --no-source-map --style=compressed --load-path=node_modules \
    --quiet-deps --silence-deprecation=import,global-builtin,color-functions,slash-div \
    scss/regija.scss "$STATIC/regija/regija.css"
GOVUK=node_modules/govuk-frontend
# without its sourceMappingURL line: the map is not shipped, and Django's manifest storage would look for it
sed 's|//# sourceMappingURL=.*$||' "$GOVUK/dist/govuk/govuk-frontend.min.js" >"$STATIC/vendor/govuk-frontend/govuk-frontend.min.js"
cat >"$STATIC/vendor/govuk-frontend/LICENSE.txt" <<LICENCE
GOV.UK Frontend $(node -p "require('./$GOVUK/package.json').version") (npm package govuk-frontend), MIT licence.
Regija uses its code restyled as its own: no crown, no GDS Transport typeface, no GOV.UK brand.

The MIT License (MIT)
Copyright (c) 2018 Crown Copyright (Government Digital Service)

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction,
including without limitation the rights to use, copy, modify, merge, publish, distribute,
sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT
NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES
OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN
CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
LICENCE
echo "built $STATIC/regija/regija.css ($(wc -c <"$STATIC/regija/regija.css") bytes) and copied govuk-frontend.min.js"
