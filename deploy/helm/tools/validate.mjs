// Validates rendered manifests against the Kubernetes API schemas, offline (kubernetes-models), plus the CRDs the
// chart may render: KEDA's ScaledObject/TriggerAuthentication and prometheus-operator's ServiceMonitor/PodMonitor.
// Usage: node validate.mjs rendered.yaml... ; exits 1 naming every invalid object.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const packages = {
  "keda.sh": "@kubernetes-models/keda",
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
};

async function modelClass(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : [null, apiVersion];
  const module = packages[group] ? `${packages[group]}/${group}/${version}`
    : `kubernetes-models/${group ? group + "/" : ""}${version}`;
  const loaded = await import(module);
  if (!loaded[kind]) {
    throw new Error(`no schema for ${kind} in ${apiVersion}`);
  }
  return loaded[kind];
}

let failures = 0;
let checked = 0;
for (const file of process.argv.slice(2)) {
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (doc.errors.length > 0) {
      console.error(`${file}: YAML error: ${doc.errors[0].message}`);
      failures++;
      continue;
    }
    const object = doc.toJS();
    if (object == null) {
      continue;
    }
    const name = `${file}: ${object.kind} ${object.metadata?.name}`;
    try {
      const Model = await modelClass(object.apiVersion, object.kind);
      new Model(object).validate();
      checked++;
    } catch (e) {
      console.error(`${name}: ${e.message}${e.errors ? " " + JSON.stringify(e.errors) : ""}`);
      failures++;
    }
  }
}
console.log(`${checked} object(s) valid, ${failures} invalid`);
process.exit(failures > 0 || checked === 0 ? 1 : 0);
