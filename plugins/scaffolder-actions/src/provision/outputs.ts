import {
  ClusterEndpoints,
  ClusterSpec,
  InventoryNode,
  deriveEndpoints,
  deriveInventory,
  inventoryNodeSchema,
  nodeRoles,
} from '@internal/plugin-kpaas-common';
import { z } from 'zod/v3';

/** Which address of a Terraform node kpaas connects to over SSH. */
export type SshAddressChoice = 'private' | 'public';

/**
 * The output contract of the generated Terraform (kakao-cloud and multipass), read from
 * `terraform output -json`: `nodes` (list of objects), `api_lb_vip`, `api_lb_public_ip`,
 * `ingress_ip` (strings, optional / null when the target has none).
 */
const terraformNodeSchema = z.object({
  name: z.string(),
  role: z.enum(nodeRoles),
  private_ip: z.string().nullish(),
  public_ip: z.string().nullish(),
  ssh_port: z.number().int().min(1).max(65535).nullish(),
});

const outputValue = <T extends z.ZodTypeAny>(schema: T) =>
  z.object({ value: schema }).passthrough();

const terraformOutputsSchema = z
  .object({
    nodes: outputValue(z.array(terraformNodeSchema).min(1)),
    api_lb_vip: outputValue(z.string().nullish()).optional(),
    api_lb_public_ip: outputValue(z.string().nullish()).optional(),
    ingress_ip: outputValue(z.string().nullish()).optional(),
  })
  .passthrough();

/**
 * What the inventory and endpoints show for an address only the machines' tool knows (Multipass
 * DHCP, the Kakao NLB) before it ran: in a dry run and a plan before the first apply.
 */
export const ASSIGNED_AT_APPLY = 'assigned at apply';
const urlOf = (host: string | undefined, port: number) =>
  `https://${host ?? `<${ASSIGNED_AT_APPLY}>`}:${port}`;

/** Inventory + endpoints from `terraform output -json`; errors name the output and the fix. */
export function parseTerraformOutputs(
  outputJson: string,
  spec: ClusterSpec,
  sshAddress: SshAddressChoice = 'private',
): { inventory: InventoryNode[]; endpoints: ClusterEndpoints } {
  let raw: unknown;
  try {
    raw = JSON.parse(outputJson || '{}');
  } catch (e) {
    throw new Error(`terraform output -json printed no valid JSON: ${e}`);
  }
  const parsed = terraformOutputsSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map(
        i =>
          `output ${i.path.filter(p => p !== 'value').join('.') || '(root)'}: ${
            i.message
          }`,
      )
      .join('; ');
    throw new Error(
      `The Terraform outputs do not follow the kpaas contract (nodes = list of { name, role, private_ip, public_ip, ssh_port }, api_lb_vip, api_lb_public_ip, ingress_ip): ${problems}`,
    );
  }
  const outputs = parsed.data;
  const defaultPort = spec.spec.access.sshPort;
  const inventory = outputs.nodes.value.map((node, index) => {
    const privateAddress = node.private_ip || undefined;
    const publicAddress = node.public_ip || undefined;
    const address =
      sshAddress === 'public'
        ? publicAddress ?? privateAddress
        : privateAddress ?? publicAddress;
    const entry = {
      name: node.name,
      role: node.role,
      address: address ?? '',
      privateAddress,
      publicAddress,
      port: node.ssh_port ?? defaultPort,
    };
    const valid = inventoryNodeSchema.safeParse(entry);
    if (!valid.success) {
      throw new Error(
        `Terraform output nodes[${index}] (${
          node.name
        }) is not a usable inventory node: ${valid.error.issues
          .map(i => `${i.path.join('.')}: ${i.message}`)
          .join('; ')}`,
      );
    }
    return entry as InventoryNode;
  });

  const derived = deriveEndpoints(spec);
  const apiVip = outputs.api_lb_vip?.value || derived.apiVip || undefined;
  const apiPublicAddress = outputs.api_lb_public_ip?.value || undefined;
  const firstControlPlane = inventory.find(n => n.role === 'control-plane');
  const apiHost =
    derived.apiEndpointType === 'host'
      ? spec.spec.controlPlane.endpoint.address ?? firstControlPlane?.address
      : apiVip ?? apiPublicAddress;
  return {
    inventory,
    endpoints: {
      apiServerUrl: urlOf(apiHost, derived.apiServerPort),
      apiVip,
      apiPublicAddress,
      ingressAddress: outputs.ingress_ip?.value || derived.ingressAddress,
    },
  };
}

/** True when the state has no `nodes` output yet (nothing applied). */
export function hasNodesOutput(outputJson: string): boolean {
  try {
    return Boolean(JSON.parse(outputJson || '{}')?.nodes);
  } catch {
    return false;
  }
}

/**
 * Inventory + endpoints as far as the spec determines them (dry run, plan before the first
 * apply, existing hosts, Vagrant's pinned addresses). Addresses only known after provisioning
 * (Multipass DHCP, the Kakao NLB) read {@link ASSIGNED_AT_APPLY}.
 */
export function inventoryFromSpec(spec: ClusterSpec): {
  inventory: InventoryNode[];
  endpoints: ClusterEndpoints;
} {
  const inventory = deriveInventory(spec).map(node => ({
    name: node.name,
    role: node.role,
    address: node.address ?? ASSIGNED_AT_APPLY,
    privateAddress: node.address,
    port: node.port,
    ...(node.hostKeyFingerprint
      ? { hostKeyFingerprint: node.hostKeyFingerprint }
      : {}),
  }));
  const derived = deriveEndpoints(spec);
  return {
    inventory,
    endpoints: {
      apiServerUrl: urlOf(derived.apiServerHost, derived.apiServerPort),
      apiVip: derived.apiVip,
      ingressAddress: derived.ingressAddress,
    },
  };
}
