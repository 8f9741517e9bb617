/**
 * Catalog annotation naming the cluster in the kpaas registry (`Resource` entities of
 * `spec.type: kubernetes-cluster`). Its presence is what makes the kpaas card and tab appear.
 * @public
 */
export const KPAAS_CLUSTER_ANNOTATION = 'kpaas.io/cluster-name';

/**
 * Catalog annotation with the cluster's target (`kakao-cloud`, `multipass`, `vagrant`, `existing`).
 * @public
 */
export const KPAAS_TARGET_ANNOTATION = 'kpaas.io/target';

/**
 * Catalog annotation with the location of the cluster repo's `cluster.yaml`.
 * @public
 */
export const KPAAS_SPEC_LOCATION_ANNOTATION = 'kpaas.io/cluster-spec';

/**
 * `spec.type` of the catalog `Resource` that represents a Kubernetes cluster.
 * @public
 */
export const KUBERNETES_CLUSTER_RESOURCE_TYPE = 'kubernetes-cluster';

/** The Backstage plugin id shared by the kpaas packages. @public */
export const KPAAS_PLUGIN_ID = 'kpaas';
