"""The variables and map outputs of an Azure root module (what `AzureTarget.files` puts in variables.tf and
outputs.tf besides the `pipelines` output)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from glacierc.backends.terraform.azure_storage import ADOPTED_ACCOUNT
from glacierc.backends.terraform.blocks import Block, Expr, Value, block
from glacierc.backends.terraform.target import Output, Target

if TYPE_CHECKING:
    from glacierc.backends.terraform.azure_model import AzureModule

DEFAULT_ADDRESS_SPACE = "10.20.0.0/16"


def variables(m: AzureModule) -> list[Block]:
    """The module's variables: name prefix and tags, and what the resources in use need."""
    found = [Target.name_prefix_variable(),
             Target.map_variable("tags", "Tags added to every resource (Glacier's managed_by and "
                                       "glacier_pipeline tags win on a clash).")]
    if m.adopted is not None:
        found += [variable(ADOPTED_ACCOUNT[0], "Name of the existing storage account holding the containers "
                           "declared existing=True.", "string"),
                  variable(ADOPTED_ACCOUNT[1], "Resource group of that storage account.", "string")]
    if m.local_assignments:
        found.append(variable("local_principal_ids", "Object ids of the Entra ID users, groups or service "
                              "principals that run the local tasks; they get the storage roles of the local "
                              "executors.", "list(string)", []))
    if m.network:
        found.append(variable("address_space", "Address space of the generated virtual network (a /16; "
                              "subnets are /24 inside it).", "string", DEFAULT_ADDRESS_SPACE))
        found.append(variable("ssh_public_key", "OpenSSH public key of the admin user of the VMs and cluster "
                              "nodes (password login is disabled).", "string"))
    if m.vms:
        found.append(variable("vm_encryption_at_host", "Encrypt VM disks and caches at the host (needs the "
                              "EncryptionAtHost feature registered on the subscription).", "bool", True))
    if m.clusters:
        found.append(variable("hdinsight_gateway_password", "Password of the HDInsight cluster gateway (Ambari) "
                              "user: 10+ characters with upper, lower, digit and symbol.", "string",
                              sensitive=True))
    return found


def output_candidates(m: AzureModule) -> tuple[Output, ...]:
    """Map outputs keyed by the names used in the pipeline code."""
    return (
        Output("storage_account", "Name of the storage account holding the containers.",
               (("name", f"{m.data_account}.name"),) if m.data_account else ()),
        Output("containers", "Resource id of every container, by container (bucket) name.",
               tuple((c.name, c.scope) for c in m.containers)),
        Output("identities", "Client id of the managed identity of every executor, by executor label.",
               tuple((i.label, f"azurerm_user_assigned_identity.{i.label}.client_id") for i in m.identities)),
        Output("function_apps", "Host name of the Function App of every serverless executor, by executor label.",
               tuple((a.label, f"azurerm_linux_function_app.{a.label}.default_hostname") for a in m.apps)),
        Output("virtual_machines", "Id of the VM of every vm task, by task label.",
               tuple((v.label, f"azurerm_linux_virtual_machine.{v.label}.id") for v in m.vms)),
        Output("clusters", "HTTPS endpoint of the HDInsight cluster of every Spark executor, by executor label.",
               tuple((c.label, f"azurerm_hdinsight_spark_cluster.{c.label}.https_endpoint") for c in m.clusters)),
        Output("databricks_workspaces", "URL of the Databricks workspace of every Databricks executor.",
               tuple((w.label, f"azurerm_databricks_workspace.{w.label}.workspace_url") for w in m.workspaces)),
    )


def variable(name: str, description: str, type_: str, *default: Value, sensitive: bool = False) -> Block:
    """A variable of the module; without a `default` the user must set it."""
    return block("variable", name, body=[
        ("description", description), ("type", Expr(type_)), *(("default", value) for value in default),
        ("sensitive", True) if sensitive else None,
    ])
