"""The compute and network blocks of one GCP provider: Cloud Functions, Dataproc clusters, and the
private network of the clusters and of the Cloud Batch jobs that run vm nodes.

Security settings are fixed here, in one place each: shielded cluster VMs (secure boot, vTPM, integrity
monitoring), internal IPs only for Dataproc, Google APIs reached privately, outbound-only NAT, flow and
firewall logs, one request at a time per function instance. No port of the network is open to anything
outside a cluster: a Batch job's VM takes no connection (it pulls its work and reports to Batch).
"""

from __future__ import annotations

from glacierc.backends.terraform.blocks import Block, Comment, Expr, Item, Template, block
from glacierc.backends.terraform.gcp_compute import DATAPROC_IDLE_TTL, Cluster, Function, Source

NETWORK = "glacier"
SHIELDED_VM = (("enable_secure_boot", True), ("enable_vtpm", True), ("enable_integrity_monitoring", True))
#: Access is decided by the account's IAM roles (least privilege), not by OAuth scopes.
SCOPES = ("cloud-platform",)
#: The runner calls the functions over HTTPS; every call is authenticated (see FUNCTION_SKIPS).
INGRESS_SETTINGS = "ALLOW_ALL"
FUNCTION_CONCURRENCY = 1
SUBNET_FLOW_LOGS = (("aggregation_interval", "INTERVAL_10_MIN"), ("flow_sampling", 0.5),
                    ("metadata", "INCLUDE_ALL_METADATA"))
FIREWALL_LOGS = (("metadata", "INCLUDE_ALL_METADATA"),)
INIT_TIMEOUT_SECONDS = 600
#: The explicit deny-all ingress rule: below every allow rule (default priority 1000), above the implied ones.
DENY_PRIORITY = 65534
NETWORK_COMMENT = "source: generated, the private network of the Dataproc clusters and Batch jobs of this module"


def _account(label: str) -> Expr:
    return Expr(f"google_service_account.{label}.email")


def _subnetwork() -> Expr:
    return Expr(f"google_compute_subnetwork.{NETWORK}.id")


def function_block(f: Function, region: str, sources: str) -> Block:
    """A Cloud Function (2nd gen) of one serverless task, built from its executor's source object."""
    storage_source = block("storage_source", body=[
        ("bucket", Expr(f"google_storage_bucket.{sources}.name")),
        ("object", Expr(f"google_storage_bucket_object.{f.source}.name")),
    ])
    return block("resource", "google_cloudfunctions2_function", f.label, comments=[f.comment], body=[
        *(Comment(skip.text) for skip in f.skips),
        ("name", f.name),
        ("location", region),
        ("description", f.description),
        block("build_config", body=[
            ("runtime", f.runtime), ("entry_point", f.entry_point), block("source", body=[storage_source])]),
        block("service_config", body=[
            ("available_memory", f.memory),
            ("timeout_seconds", f.timeout),
            ("max_instance_count", f.max_instances) if f.max_instances is not None else None,
            ("min_instance_count", f.min_instances),
            ("max_instance_request_concurrency", FUNCTION_CONCURRENCY),
            ("service_account_email", _account(f.account)),
            ("environment_variables", dict(f.environment)) if f.environment else None,
            ("ingress_settings", INGRESS_SETTINGS),
            ("all_traffic_on_latest_revision", True),
        ]),
    ])


def source_block(s: Source, sources: str) -> Block:
    """The source zip of one serverless executor as an object of the sources bucket."""
    return block("resource", "google_storage_bucket_object", s.label, comments=[s.comment], body=[
        ("name", s.object_name),
        ("bucket", Expr(f"google_storage_bucket.{sources}.name")),
        ("source", Template(Expr("path.module"), "/" + s.zip_file)),
    ])


def cluster_block(c: Cluster, region: str, init_script: Template | None = None,
                  metadata: dict[str, Template] | None = None) -> Block:
    """A Dataproc cluster on internal IPs only, deleted when idle, with its own staging and temp buckets;
    `init_script`: the initialization action installing what the workflow's jobs import, `metadata` what it
    reads (the cluster's job folder)."""
    gce = block("gce_cluster_config", body=[
        ("subnetwork", _subnetwork()),
        ("internal_ip_only", True),
        ("service_account", _account(c.account)),
        ("service_account_scopes", list(SCOPES)),
        ("metadata", dict(sorted(metadata.items()))) if metadata else None,
        block("shielded_instance_config", body=SHIELDED_VM),
    ])
    zero_workers = ("override_properties", {"dataproc:dataproc.allow.zero.workers": "true"})
    config = block("cluster_config", body=[
        ("staging_bucket", Expr(f"google_storage_bucket.{c.staging}.name")),
        ("temp_bucket", Expr(f"google_storage_bucket.{c.temp}.name")),
        gce,
        block("master_config", body=[("num_instances", 1), ("machine_type", c.machine_type)]),
        block("worker_config", body=[("num_instances", c.num_workers), ("machine_type", c.machine_type)])
        if c.num_workers else None,
        block("software_config", body=[("image_version", c.image_version), None if c.num_workers else zero_workers]),
        block("lifecycle_config", body=[("idle_delete_ttl", DATAPROC_IDLE_TTL)]),
        block("initialization_action", body=[("script", init_script), ("timeout_sec", INIT_TIMEOUT_SECONDS)])
        if init_script is not None else None,
    ])
    return block("resource", "google_dataproc_cluster", c.label, comments=[c.comment], body=[
        *(Comment(skip.text) for skip in c.skips),
        ("name", c.name),
        ("region", region),
        config,
        ("depends_on", [
            Expr(f"google_project_iam_member.{c.label}_dataproc_worker"),
            Expr(f"google_storage_bucket_iam_member.{c.staging}_objects"),
            Expr(f"google_storage_bucket_iam_member.{c.temp}_objects"),
        ]),
    ])


def network_blocks(region: str, clusters: list[Cluster]) -> list[Block]:
    """The network and subnetwork of the clusters and Batch jobs, and the traffic inside each cluster."""
    network = Expr(f"google_compute_network.{NETWORK}.id")
    found = [
        block("resource", "google_compute_network", NETWORK, comments=[NETWORK_COMMENT], body=[
            ("name", Template(Expr("var.name_prefix"), "-network")), ("auto_create_subnetworks", False)]),
        block("resource", "google_compute_subnetwork", NETWORK, comments=[NETWORK_COMMENT], body=[
            ("name", Template(Expr("var.name_prefix"), "-subnet")),
            ("region", region),
            ("network", network),
            ("ip_cidr_range", Expr("var.subnet_cidr")),
            Comment("No external IPs: Google APIs (Cloud Storage, logging) are reached privately."),
            ("private_ip_google_access", True),
            block("log_config", body=SUBNET_FLOW_LOGS),
        ]),
    ]
    found += nat_blocks(region, network)
    found.append(_firewall(f"{NETWORK}_deny_ingress", Template(Expr("var.name_prefix"), "-deny-ingress"),
                           "source: generated, no connection from anywhere unless a rule below allows it (logged)",
                           [("priority", DENY_PRIORITY), ("source_ranges", ["0.0.0.0/0"])],
                           [("all", None)], "deny"))
    for c in clusters:
        accounts = (_account(c.account),)
        found.append(_firewall(f"{c.label}_internal", Template(*c.name.parts, "-internal"), c.comment, [
            Comment("Only between the nodes of this cluster, as Dataproc requires."),
            ("source_service_accounts", accounts), ("target_service_accounts", accounts),
        ], [("tcp", ("0-65535",)), ("udp", ("0-65535",)), ("icmp", None)]))
    return found


def nat_blocks(region: str, network: Expr) -> list[Block]:
    """Egress through Cloud NAT: the Batch VMs and clusters have no external IPs, and their jobs install Polars
    from PyPI (Dataproc's initialization action, the Batch jobs' command). Nothing can connect in."""
    comment = "source: generated, outbound-only internet access of the private network (installing Polars)"
    router = block("resource", "google_compute_router", NETWORK, comments=[comment], body=[
        ("name", Template(Expr("var.name_prefix"), "-router")), ("region", region), ("network", network)])
    nat = block("resource", "google_compute_router_nat", NETWORK, comments=[comment], body=[
        ("name", Template(Expr("var.name_prefix"), "-nat")),
        ("router", Expr(f"google_compute_router.{NETWORK}.name")),
        ("region", region),
        ("nat_ip_allocate_option", "AUTO_ONLY"),
        ("source_subnetwork_ip_ranges_to_nat", "ALL_SUBNETWORKS_ALL_IP_RANGES"),
        block("log_config", body=[("enable", True), ("filter", "ERRORS_ONLY")]),
    ])
    return [router, nat]


def _firewall(label: str, name: Template, comment: str, sources: list[Item],
              allowed: list[tuple[str, tuple[str, ...] | None]], action: str = "allow") -> Block:
    allow = [block(action, body=[("protocol", protocol), ("ports", ports) if ports else None])
             for protocol, ports in allowed]
    return block("resource", "google_compute_firewall", label, comments=[comment], body=[
        ("name", name),
        ("network", Expr(f"google_compute_network.{NETWORK}.id")),
        ("direction", "INGRESS"),
        *sources,
        *allow,
        block("log_config", body=FIREWALL_LOGS),
    ])
