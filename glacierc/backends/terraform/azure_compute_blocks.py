"""The compute and network blocks of one Azure provider: Function Apps with their plans, Linux VMs, HDInsight
Spark clusters, Databricks workspaces, and the private network of the VMs and clusters.

Security settings are fixed here, in one place each: HTTPS and TLS 1.2 only, FTP(S) and basic publishing off,
SSH keys only (no passwords), no VM extensions, secure boot and vTPM on trusted-launch images, encryption at
host, HDInsight with encryption in transit and outbound-only management, Databricks without public IPs and
with infrastructure encryption.
"""

from __future__ import annotations

from glacierc.backends.terraform.azure_compute import (
    GATEWAY_USER,
    NODE_USER,
    PLAN_SKIPS,
    ZOOKEEPER_SIZE,
    FunctionApp,
    SparkCluster,
    VirtualMachine,
    Workspace,
)
from glacierc.backends.terraform.azure_storage import HDINSIGHT, TAGS, placed
from glacierc.backends.terraform.blocks import BLANK, Block, Call, Comment, Expr, Object, Template, Value, block

GROUP = "glacier"
FUNCTIONS = "glacier_functions"
MIN_TLS_VERSION = "1.2"
#: Function Apps: HTTPS only, no FTP(S), no basic-auth publishing, TLS 1.2 for the app and its SCM site.
APP_SECURITY = (("https_only", True), ("ftp_publish_basic_authentication_enabled", False))
SITE_SECURITY = (("minimum_tls_version", MIN_TLS_VERSION), ("scm_minimum_tls_version", MIN_TLS_VERSION),
                 ("ftps_state", "Disabled"), ("http2_enabled", True))
#: VMs: key-only SSH, no extensions (nothing runs on the VM that the image did not bring).
VM_SECURITY = (("disable_password_authentication", True),)
TRUSTED_LAUNCH = (("secure_boot_enabled", True), ("vtpm_enabled", True))
OS_DISK = (("caching", "ReadWrite"), ("storage_account_type", "StandardSSD_LRS"))
HDINSIGHT_SECURITY = (("tier", "Standard"), ("tls_min_version", MIN_TLS_VERSION),
                      ("encryption_in_transit_enabled", True))
#: Subnets (a /24 each inside var.address_space) reach Blob storage through a service endpoint.
SUBNETS = (("vms", 1), ("clusters", 2))
NETWORK_COMMENT = "source: generated, the private network of the VMs and HDInsight clusters of this module"


def _identity(label: str, *lent: str) -> Block:
    """Its own user-assigned identity, then the Databricks executors' whose storage tokens its activities hand
    to their runs (azure_databricks.py)."""
    return block("identity", body=[
        ("type", "UserAssigned"),
        Comment("Its own identity, then the Databricks executors' it takes the runs' storage tokens of.") if lent else None,
        ("identity_ids", [Expr(f"azurerm_user_assigned_identity.{name}.id") for name in (label, *lent)])])


def app_blocks(a: FunctionApp, group: str, location: str) -> list[Block]:
    """The service plan and the Function App hosting every task of one serverless executor."""
    identity = f"azurerm_user_assigned_identity.{a.identity}"
    plan = block("resource", "azurerm_service_plan", a.label, comments=[a.comment], body=[
        *(Comment(skip.text) for skip in PLAN_SKIPS),
        ("name", a.plan_name), *placed(group, location), ("os_type", "Linux"), ("sku_name", a.plan), TAGS,
    ])
    settings = Object(
        Comment("The remote build installs requirements.txt of the package."),
        ("SCM_DO_BUILD_DURING_DEPLOYMENT", "true"),
        ("ENABLE_ORYX_BUILD", "true"),
        Comment("Storage clients (polars, azure-identity) sign in with the executor's identity."),
        ("AZURE_CLIENT_ID", Expr(f"{identity}.client_id")),
        *a.settings,
    )
    app = block("resource", "azurerm_linux_function_app", a.label, comments=[a.comment], body=[
        *(Comment(skip.text) for skip in a.skips),
        ("name", a.name),
        *placed(group, location),
        ("service_plan_id", Expr(f"azurerm_service_plan.{a.label}.id")),
        ("storage_account_name", Expr(f"azurerm_storage_account.{FUNCTIONS}.name")),
        ("storage_account_access_key", Expr(f"azurerm_storage_account.{FUNCTIONS}.primary_access_key")),
        *APP_SECURITY,
        ("zip_deploy_file", Template(Expr("path.module"), "/" + a.zip_file)),
        ("key_vault_reference_identity_id", Expr(f"{identity}.id")),
        TAGS,
        BLANK,
        ("app_settings", settings),
        _identity(a.identity, *a.lent),
        block("site_config", body=[
            *SITE_SECURITY, block("application_stack", body=[("python_version", a.python_version)])]),
    ])
    return [plan, app]


def vm_blocks(v: VirtualMachine, group: str, location: str) -> list[Block]:
    """The VM of one task, its network interface and (public_ip=True) its public address."""
    found = []
    if v.public_ip:
        found.append(block("resource", "azurerm_public_ip", v.label, comments=[v.comment], body=[
            ("name", Template(*v.name.parts, "-ip")), *placed(group, location),
            ("allocation_method", "Static"), ("sku", "Standard"), TAGS,
        ]))
    configuration = block("ip_configuration", body=[
        ("name", "internal"),
        ("subnet_id", Expr("azurerm_subnet.vms.id")),
        ("private_ip_address_allocation", "Dynamic"),
        ("public_ip_address_id", Expr(f"azurerm_public_ip.{v.label}.id")) if v.public_ip else None,
    ])
    found.append(block("resource", "azurerm_network_interface", v.label, comments=[v.comment], body=[
        *(Comment(skip.text) for skip in v.skips),
        ("name", Template(*v.name.parts, "-nic")), *placed(group, location), TAGS, configuration,
    ]))
    found.append(block("resource", "azurerm_linux_virtual_machine", v.label, comments=[v.comment], body=[
        ("name", v.name),
        *placed(group, location),
        ("size", v.size),
        ("admin_username", v.admin_username),
        *VM_SECURITY,
        ("network_interface_ids", [Expr(f"azurerm_network_interface.{v.label}.id")]),
        ("encryption_at_host_enabled", Expr("var.vm_encryption_at_host")),
        ("allow_extension_operations", False),
        *(TRUSTED_LAUNCH if v.trusted_launch else ()),
        TAGS,
        block("admin_ssh_key", body=[("username", v.admin_username), ("public_key", Expr("var.ssh_public_key"))]),
        block("os_disk", body=[*OS_DISK, ("disk_size_gb", v.disk_size)]),
        block("source_image_reference", body=[
            ("publisher", v.publisher), ("offer", v.offer), ("sku", v.sku), ("version", v.version)]),
        _identity(v.identity),
    ]))
    return found


def cluster_block(c: SparkCluster, group: str, location: str, script: list[tuple[str, Value]] | None = None,
                  after: list[Expr] | None = None) -> Block:
    """The cluster; `script`: the script action its head and worker nodes run when they are created (it
    installs the requirement set of the groups an orchestration runs there), `after`: what that reads."""
    account = f"azurerm_storage_account.{HDINSIGHT}"

    def node(kind: str, size: str, *extra: tuple[str, Value]) -> Block:
        return block(kind, body=[
            ("vm_size", size), ("username", NODE_USER), ("ssh_keys", [Expr("var.ssh_public_key")]), *extra,
            ("virtual_network_id", Expr(f"azurerm_virtual_network.{GROUP}.id")),
            ("subnet_id", Expr("azurerm_subnet.clusters.id")),
            block("script_actions", body=list(script)) if script and kind != "zookeeper_node" else None,
        ])

    return block("resource", "azurerm_hdinsight_spark_cluster", c.label, comments=[c.comment], body=[
        *(Comment(skip.text) for skip in c.skips),
        ("name", c.name),
        *placed(group, location),
        ("cluster_version", c.cluster_version),
        *HDINSIGHT_SECURITY,
        TAGS,
        block("component_version", body=[("spark", c.spark_version)]),
        block("gateway", body=[("username", GATEWAY_USER), ("password", Expr("var.hdinsight_gateway_password"))]),
        block("storage_account_gen2", body=[
            ("is_default", True),
            ("storage_resource_id", Expr(f"{account}.id")),
            ("filesystem_id", Template(Expr(f"{account}.primary_dfs_endpoint"),
                                       Expr(f"azurerm_storage_container.{c.label}_filesystem.name"))),
            ("managed_identity_resource_id", Expr(f"azurerm_user_assigned_identity.{c.identity}.id")),
        ]),
        block("network", body=[
            Comment("The HDInsight resource provider connects out: no inbound management traffic."),
            ("connection_direction", "Outbound"),
        ]),
        block("roles", body=[
            node("head_node", c.size),
            node("worker_node", c.size, ("target_instance_count", c.workers)),
            node("zookeeper_node", ZOOKEEPER_SIZE),
        ]),
        ("depends_on", [Expr(f"azurerm_role_assignment.{c.label}_hdinsight"),
                        Expr("azurerm_subnet_network_security_group_association.clusters"), *(after or [])]),
    ])


def workspace_blocks(w: Workspace, group: str, location: str) -> list[Block]:
    """The workspace (premium, no public IPs, infrastructure encryption) and its access connector."""
    workspace = block("resource", "azurerm_databricks_workspace", w.label, comments=[w.comment], body=[
        *(Comment(skip.text) for skip in w.skips),
        ("name", w.name),
        *placed(group, location),
        ("sku", "premium"),
        ("managed_resource_group_name", w.managed_group),
        ("infrastructure_encryption_enabled", True),
        TAGS,
        block("custom_parameters", body=[("no_public_ip", True)]),
    ])
    connector = block("resource", "azurerm_databricks_access_connector", w.label, comments=[w.comment], body=[
        ("name", w.name), *placed(group, location), TAGS, _identity(w.identity),
    ])
    return [workspace, connector]


def network_blocks(group: str, location: str, subnets: list[str]) -> list[Block]:
    """The virtual network, its security group (Azure's default rules: no inbound traffic from the internet)
    and the subnets in use with their service endpoint to Blob storage."""
    found = [
        block("resource", "azurerm_virtual_network", GROUP, comments=[NETWORK_COMMENT], body=[
            ("name", Template(Expr("var.name_prefix"), "-network")), *placed(group, location),
            ("address_space", [Expr("var.address_space")]), TAGS,
        ]),
        block("resource", "azurerm_network_security_group", GROUP, comments=[
            "source: generated, no inbound traffic from the internet (Azure's default rules allow the virtual "
            "network only)"], body=[("name", Template(Expr("var.name_prefix"), "-nsg")), *placed(group, location),
                                    TAGS]),
    ]
    for name, number in SUBNETS:
        if name not in subnets:
            continue
        found.append(block("resource", "azurerm_subnet", name, comments=[NETWORK_COMMENT], body=[
            ("name", Template(Expr("var.name_prefix"), f"-{name}")),
            ("resource_group_name", Expr(f"{group}.name")),
            ("virtual_network_name", Expr(f"azurerm_virtual_network.{GROUP}.name")),
            ("address_prefixes", [Call("cidrsubnet", Expr("var.address_space"), 8, number)]),
            ("service_endpoints", ["Microsoft.Storage"]),
        ]))
        found.append(block("resource", "azurerm_subnet_network_security_group_association", name,
                           comments=[NETWORK_COMMENT], body=[
            ("subnet_id", Expr(f"azurerm_subnet.{name}.id")),
            ("network_security_group_id", Expr(f"azurerm_network_security_group.{GROUP}.id")),
        ]))  # fmt: skip
    return found
