/**
 * Module of the Kubernetes plugin that supplies the kpaas clusters:
 * `backend.add(import('@internal/plugin-kpaas-backend/kubernetes'))`.
 *
 * @packageDocumentation
 */
export { kpaasKubernetesModule as default } from './kubernetesModule';
