#!/usr/bin/python3
"""examples/kubernetes holds together, checked offline (no cluster, no network).

What Debian 12 can check without a cluster: its kubectl (kubernetes-client 1.20) needs an API
server even for `create --dry-run=client`, so there is no schema validation here; its promtool
is built without Kubernetes service discovery, so it cannot read kubernetes_sd_configs. So:
  - every file parses as YAML, and each object has apiVersion, kind and metadata.name;
  - the fields that must agree do: replicas and the N of --shard auto/N, serviceName and the
    headless Service, selectors and pod labels, the ConfigMap, its mount and the list path
    poller reads, the metrics port of --metrics-listen, the port name Prometheus keeps;
  - the options given to poller are options poller has (its --help), and --shard's value is
    one it accepts;
  - resource requests and memory limits are set on every container;
  - the reload script is valid sh (`sh -n`);
  - prometheus.yml passes `promtool check config` with its pod discovery swapped for a static
    target (the rest: scrape settings, relabelling), and its discovery block is checked by hand;
    poller-rules.yml passes `promtool check rules`;
  - `kubectl kustomize` renders the directory when a kubectl is installed (not a test
    dependency: Debian's would conflict with other kubectl packages).
Not checked: the objects against the API server's schemas, the image, the pods running.

  kubernetes_examples_test.py POLLER_BINARY EXAMPLES_DIR
"""

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

poller, examples = sys.argv[1], Path(sys.argv[2])
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)


def load(name):
    with open(examples / name) as f:
        return [doc for doc in yaml.safe_load_all(f) if doc is not None]


objects = {}
kustomization = load("kustomization.yaml")[0]
for resource in kustomization["resources"]:
    for obj in load(resource):
        for field in ("apiVersion", "kind"):
            check(field in obj, f"{resource}: no {field}")
        check("name" in obj.get("metadata", {}), f"{resource}: no metadata.name")
        objects[obj["kind"]] = obj
for kind in ("StatefulSet", "Service", "ConfigMap"):
    check(kind in objects, f"no {kind} among {kustomization['resources']}")
if failures:
    sys.exit("\n".join(failures))

stateful_set, service, config_map = objects["StatefulSet"], objects["Service"], objects["ConfigMap"]
spec = stateful_set["spec"]
pod = spec["template"]["spec"]
labels = spec["template"]["metadata"]["labels"]
containers = {c["name"]: c for c in pod["containers"]}
poller_container = containers["poller"]
args = poller_container["args"]


def value_of(option):
    check(option in args, f"poller's args have no {option}")
    return args[args.index(option) + 1] if option in args else ""


# --shard auto/N and replicas: N pods, ordinals 0..N-1, shards 1..N.
shard = value_of("--shard")
match = re.fullmatch(r"auto/(\d+)", shard)
check(match is not None, f"--shard {shard}: not auto/N")
if match:
    check(int(match.group(1)) == spec["replicas"],
          f"--shard {shard} but replicas: {spec['replicas']}")
check(spec.get("podManagementPolicy") == "Parallel", "podManagementPolicy is not Parallel")

# The headless Service gives the pods their names.
check(spec["serviceName"] == service["metadata"]["name"], "serviceName is not the Service's name")
check(service["spec"].get("clusterIP") == "None", "the Service is not headless (clusterIP: None)")
for key, value in spec["selector"]["matchLabels"].items():
    check(labels.get(key) == value, f"selector {key}={value} does not match the pod's labels")
for key, value in service["spec"]["selector"].items():
    check(labels.get(key) == value, f"Service selector {key}={value} does not match the pods")

# The list: the ConfigMap's key, mounted where poller reads it.
list_path = args[-1]
volumes = {v["name"]: v for v in pod["volumes"]}
for name, container in containers.items():
    for mount in container.get("volumeMounts", []):
        volume = volumes.get(mount["name"])
        check(volume is not None, f"{name}: mounts unknown volume {mount['name']}")
        check(mount.get("readOnly") is True, f"{name}: {mount['mountPath']} is not read-only")
        if volume and "configMap" in volume:
            check(volume["configMap"]["name"] == config_map["metadata"]["name"],
                  f"volume {mount['name']} is not the ConfigMap {config_map['metadata']['name']}")
            if name == "poller":
                key = list_path.removeprefix(mount["mountPath"].rstrip("/") + "/")
                check(key in config_map["data"], f"{list_path}: no key {key} in the ConfigMap")
for line in config_map["data"]["urls.txt"].splitlines():
    line = line.strip()
    if line and not line.startswith("#"):
        check(re.match(r"https?://", line) is not None, f"urls.txt: not a URL: {line}")

# Metrics: --metrics-listen on the pod's address, the port named metrics, the Service's port.
listen = value_of("--metrics-listen")
check(listen.startswith("0.0.0.0:"), f"--metrics-listen {listen}: not on the pod's address")
ports = {p["name"]: p["containerPort"] for p in poller_container["ports"]}
check(ports.get("metrics") == int(listen.rsplit(":", 1)[1]),
      f"the metrics port {ports.get('metrics')} is not --metrics-listen's {listen}")
check(service["spec"]["ports"][0]["targetPort"] == "metrics", "the Service does not target metrics")

# Every option in args is one poller has, and poller takes the values (--shard with K given, as
# no host name here is poller-ORDINAL) for one round against a closed loopback port.
help_text = subprocess.run([poller, "--help"], capture_output=True, text=True, check=True).stdout
for arg in args:
    if arg.startswith("--"):
        check(re.search(rf"(^|[ ,]){re.escape(arg)}\b", help_text, re.M) is not None,
              f"poller --help has no {arg}")
trial = subprocess.run(
    [poller, "--shard", shard.replace("auto/", "1/"), "--metrics-listen", "127.0.0.1:0",
     "--interval", value_of("--interval"), "--format", value_of("--format"), "--once",
     "http://127.0.0.1:1/"],
    capture_output=True, text=True, timeout=30)
# 1: the fetch of a closed port failed, 0: not in shard 1; 2 would be a refused option.
check(trial.returncode in (0, 1), f"poller refuses the StatefulSet's options: {trial.stderr}")

# Resources, on every container; the reload script is valid sh.
for name, container in containers.items():
    resources = container.get("resources", {})
    for what in ("cpu", "memory"):
        check(what in resources.get("requests", {}), f"{name}: no {what} request")
    check("memory" in resources.get("limits", {}), f"{name}: no memory limit")
reloader = containers["reload-on-change"]
check(pod.get("shareProcessNamespace") is True,
      "reload-on-change cannot signal poller without shareProcessNamespace")
script = reloader["command"][-1]
check(list_path in script, f"reload-on-change does not watch {list_path}")
check("pkill -HUP -x poller" in script, "reload-on-change does not send poller SIGHUP")
syntax = subprocess.run(["/bin/sh", "-n", "-c", script], capture_output=True, text=True)
check(syntax.returncode == 0, f"reload-on-change: {syntax.stderr}")

# Prometheus: pod discovery by the pods' label, keeping the port named metrics.
prometheus = yaml.safe_load((examples / "prometheus.yml").read_text())
job = prometheus["scrape_configs"][0]
discovery = job["kubernetes_sd_configs"][0]
check(discovery["role"] == "pod", "the scrape job does not discover pods")
selector = discovery["selectors"][0]
key, _, value = selector["label"].partition("=")
check(selector["role"] == "pod" and labels.get(key) == value,
      f"the scrape job selects {selector['label']}, not the pods' labels")
keep = [r for r in job["relabel_configs"] if r.get("action") == "keep"]
check(any(r["source_labels"] == ["__meta_kubernetes_pod_container_port_name"]
          and r["regex"] == "metrics" for r in keep), "the scrape job does not keep port metrics")
promtool = shutil.which("promtool") or "/usr/bin/promtool"
with tempfile.TemporaryDirectory() as tmp:
    del job["kubernetes_sd_configs"]
    job["static_configs"] = [{"targets": ["127.0.0.1:9100"]}]
    config = Path(tmp) / "prometheus.yml"
    config.write_text(yaml.safe_dump(prometheus))
    result = subprocess.run([promtool, "check", "config", str(config)], capture_output=True,
                            text=True)
    check(result.returncode == 0, f"promtool check config: {result.stdout}{result.stderr}")

# The fleet alerts: promtool parses every expression; the shard count is the fleet's.
rules = examples / "poller-rules.yml"
result = subprocess.run([promtool, "check", "rules", str(rules)], capture_output=True, text=True)
check(result.returncode == 0, f"promtool check rules: {result.stdout}{result.stderr}")
if match:
    check(f"count(poller_shard_info{{job=\"poller\"}}) < {match.group(1)}" in rules.read_text(),
          f"poller-rules.yml does not expect {match.group(1)} shards")

kubectl = shutil.which("kubectl")
if kubectl:
    rendered = subprocess.run([kubectl, "kustomize", str(examples)], capture_output=True,
                              text=True, env={"KUBECONFIG": "/nonexistent", "PATH": "/usr/bin:/bin"})
    check(rendered.returncode == 0, f"kubectl kustomize: {rendered.stderr}")
    kinds = sorted(doc["kind"] for doc in yaml.safe_load_all(rendered.stdout) if doc)
    check(kinds == ["ConfigMap", "Service", "StatefulSet"], f"kubectl kustomize gave {kinds}")
else:
    print("kubectl not installed: `kubectl kustomize` not run")

if failures:
    sys.exit("\n".join(failures))
print("examples/kubernetes: consistent")
