import { z } from 'zod/v3'; // the scaffolder's createTemplateAction speaks zod v3: one schema serves both

/**
 * Roles a machine can have in a kpaas cluster. `lb` machines carry HAProxy + keepalived
 * (the API VIP) and never join Kubernetes.
 * @public
 */
export const nodeRoles = ['control-plane', 'worker', 'lb'] as const;

/** @public */
export type NodeRole = (typeof nodeRoles)[number];

/**
 * SSH host key fingerprint as printed by `ssh-keygen -lf` (`SHA256:<base64 without padding>`).
 * @public
 */
export const hostKeyFingerprintSchema = z
  .string()
  .regex(
    /^SHA256:[A-Za-z0-9+/]{43}$/,
    'must be an OpenSSH SHA256 fingerprint such as "SHA256:…" (run `ssh-keygen -lf <host key>.pub`)',
  );

/**
 * One machine of the cluster as `kpaas:provision` reports it and `kpaas:bootstrap` consumes it.
 * @public
 */
export const inventoryNodeSchema = z.object({
  name: z
    .string()
    .regex(
      /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
      'must be a DNS-1123 label (lower case letters, digits, "-")',
    )
    .max(63)
    .describe('Node (host) name, unique in the cluster'),
  role: z.enum(nodeRoles).describe('control-plane, worker or lb'),
  address: z
    .string()
    .min(1)
    .describe('Address kpaas connects to over SSH (private IP when reachable)'),
  privateAddress: z
    .string()
    .optional()
    .describe(
      'Address inside the node network (kubelet/etcd); defaults to address',
    ),
  publicAddress: z
    .string()
    .optional()
    .describe('Public (floating) IP, when the target assigns one'),
  port: z.number().int().min(1).max(65535).default(22).describe('SSH port'),
  user: z
    .string()
    .optional()
    .describe('SSH user for this node (overrides the default user)'),
  hostKeyFingerprint: hostKeyFingerprintSchema
    .optional()
    .describe(
      'Expected SSH host key fingerprint; verified on every connection',
    ),
});

/** @public */
export type InventoryNode = z.infer<typeof inventoryNodeSchema>;

/**
 * The whole inventory: the list of nodes.
 * @public
 */
export const inventorySchema = z.array(inventoryNodeSchema).min(1);

/**
 * Endpoints of a cluster as derived from the spec or reported by Terraform.
 * @public
 */
export const clusterEndpointsSchema = z.object({
  apiServerUrl: z.string().describe('https://<VIP or LB>:6443'),
  apiVip: z.string().optional().describe('Private VIP / LB address of the API'),
  apiPublicAddress: z
    .string()
    .optional()
    .describe('Public address of the API LB'),
  ingressAddress: z
    .string()
    .optional()
    .describe('Ingress (MetalLB or LB) address'),
});

/** @public */
export type ClusterEndpoints = z.infer<typeof clusterEndpointsSchema>;

/**
 * A host key as kpaas:bootstrap verified or (trust on first use) accepted it.
 * @public
 */
export const nodeHostKeySchema = z.object({
  name: z.string().min(1),
  fingerprint: hostKeyFingerprintSchema,
});

/** @public */
export type NodeHostKey = z.infer<typeof nodeHostKeySchema>;

/**
 * Body of `PUT /api/kpaas/clusters/:name/inventory` (kpaas:provision): the cluster's machines.
 * Until the cluster is registered, its inventory belongs to the order's task (`taskId`).
 * @public
 */
export const putInventoryRequestSchema = z
  .object({
    taskId: z.string().max(255).optional(),
    nodes: inventorySchema,
  })
  .strict();

/** @public */
export type PutInventoryRequest = z.infer<typeof putInventoryRequestSchema>;

/**
 * Body of `POST /api/kpaas/clusters/:name/inventory/host-keys` (kpaas:bootstrap): fingerprints
 * verified or trusted on first use, recorded on the named nodes.
 * @public
 */
export const recordHostKeysRequestSchema = z
  .object({
    taskId: z.string().max(255).optional(),
    hostKeys: z.array(nodeHostKeySchema).min(1),
  })
  .strict();

/** @public */
export type RecordHostKeysRequest = z.infer<typeof recordHostKeysRequestSchema>;

/**
 * A cluster's machines as kpaas-backend keeps them (`GET /api/kpaas/clusters/:name/inventory`).
 * @public
 */
export interface ClusterInventory {
  cluster: string;
  nodes: InventoryNode[];
  /** The scaffolder task that last wrote the machines. */
  taskId?: string;
  updatedAt: string;
}
