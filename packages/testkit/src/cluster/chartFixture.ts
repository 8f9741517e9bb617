import { GATEWAY_API_CRD_FIXTURES } from '../kube/gatewayApi';

/**
 * What each chart creates when the helm stand-in installs it (KPAAS_HELM_CHARTS, keyed by release
 * or chart name): what the real chart would create, reduced to what kpaas:addons and kpaas-backend
 * judge readiness on (values/addons.yaml `readiness`, CRDs, the services the UIs and the ingress
 * address come from). A fresh object per call, so a test may change its copy.
 */
export function helmChartFixture(): Record<string, any> {
  return {
    metallb: {
      crds: [
        {
          name: 'ipaddresspools.metallb.io',
          kind: 'IPAddressPool',
          version: 'v1beta1',
        },
        {
          name: 'l2advertisements.metallb.io',
          kind: 'L2Advertisement',
          version: 'v1beta1',
        },
      ],
      workloads: [
        { kind: 'Deployment', name: 'metallb-controller' },
        { kind: 'DaemonSet', name: 'metallb-speaker' },
      ],
    },
    'ingress-nginx': {
      workloads: [
        {
          kind: 'Deployment',
          name: 'ingress-nginx-controller',
          image: 'registry.k8s.io/ingress-nginx/controller:v1.14.1',
        },
      ],
      services: [
        { name: 'ingress-nginx-controller', type: 'LoadBalancer', port: 80 },
      ],
    },
    // envoy-gateway's chart: the Gateway API CRDs it bundles, its own EnvoyProxy CRD and the
    // control plane (the proxies of a Gateway come from startGatewayApiController)
    'gateway-helm': {
      crds: [
        ...GATEWAY_API_CRD_FIXTURES,
        {
          name: 'envoyproxies.gateway.envoyproxy.io',
          kind: 'EnvoyProxy',
          version: 'v1alpha1',
        },
        {
          name: 'securitypolicies.gateway.envoyproxy.io',
          kind: 'SecurityPolicy',
          version: 'v1alpha1',
        },
      ],
      workloads: [
        {
          kind: 'Deployment',
          name: 'envoy-gateway',
          image: 'docker.io/envoyproxy/gateway:v1.9.0',
        },
      ],
      services: [{ name: 'envoy-gateway', type: 'ClusterIP', port: 18000 }],
    },
    'cert-manager': {
      crds: [
        {
          name: 'clusterissuers.cert-manager.io',
          kind: 'ClusterIssuer',
          version: 'v1',
          scope: 'Cluster',
        },
        {
          name: 'certificates.cert-manager.io',
          kind: 'Certificate',
          version: 'v1',
        },
      ],
      workloads: [
        'cert-manager',
        'cert-manager-webhook',
        'cert-manager-cainjector',
      ].map(name => ({
        kind: 'Deployment',
        name,
      })),
    },
    // istio-base's chart
    base: {
      crds: [
        ['peerauthentications.security.istio.io', 'PeerAuthentication'],
        ['authorizationpolicies.security.istio.io', 'AuthorizationPolicy'],
        ['virtualservices.networking.istio.io', 'VirtualService'],
        ['destinationrules.networking.istio.io', 'DestinationRule'],
        ['gateways.networking.istio.io', 'Gateway'],
        ['telemetries.telemetry.istio.io', 'Telemetry'],
      ].map(([name, kind]) => ({ name, kind, version: 'v1' })),
      workloads: [],
    },
    istiod: { workloads: [{ kind: 'Deployment', name: 'istiod' }] },
    'argo-cd': {
      workloads: [
        { kind: 'Deployment', name: 'argocd-server' },
        { kind: 'Deployment', name: 'argocd-repo-server' },
        { kind: 'StatefulSet', name: 'argocd-application-controller' },
      ],
      services: [{ name: 'argocd-server', type: 'ClusterIP', port: 80 }],
    },
    'metrics-server': {
      workloads: [
        {
          kind: 'Deployment',
          name: 'metrics-server',
          image: 'registry.k8s.io/metrics-server/metrics-server:v0.8.0',
        },
      ],
    },
    'kube-prometheus-stack': {
      workloads: [
        { kind: 'Deployment', name: 'kube-prometheus-stack-operator' },
        { kind: 'Deployment', name: 'kube-prometheus-stack-grafana' },
        {
          kind: 'StatefulSet',
          name: 'prometheus-kube-prometheus-stack-prometheus',
        },
        {
          kind: 'StatefulSet',
          name: 'alertmanager-kube-prometheus-stack-alertmanager',
        },
      ],
      services: [
        { name: 'kube-prometheus-stack-grafana', type: 'ClusterIP', port: 80 },
      ],
    },
    harbor: {
      workloads: [
        ...[
          'harbor-core',
          'harbor-portal',
          'harbor-registry',
          'harbor-jobservice',
        ].map(name => ({
          kind: 'Deployment',
          name,
        })),
        ...['harbor-database', 'harbor-redis', 'harbor-trivy'].map(name => ({
          kind: 'StatefulSet',
          name,
        })),
      ],
      services: [
        { name: 'harbor-portal', type: 'ClusterIP', port: 80 },
        { name: 'harbor-core', type: 'ClusterIP', port: 80 },
      ],
    },
    jaeger: {
      workloads: [{ kind: 'Deployment', name: 'jaeger' }],
      services: [{ name: 'jaeger', type: 'ClusterIP', port: 16686 }],
    },
    // Keycloak's chart
    keycloakx: {
      workloads: [{ kind: 'StatefulSet', name: 'keycloak' }],
      services: [{ name: 'keycloak-http', type: 'ClusterIP', port: 80 }],
    },
    'nfs-subdir-external-provisioner': {
      workloads: [
        { kind: 'Deployment', name: 'nfs-subdir-external-provisioner' },
      ],
    },
    // istio-gateway's chart
    gateway: {
      workloads: [{ kind: 'Deployment', name: 'istio-ingressgateway' }],
      services: [
        { name: 'istio-ingressgateway', type: 'LoadBalancer', port: 80 },
      ],
    },
    'kiali-server': {
      workloads: [{ kind: 'Deployment', name: 'kiali' }],
      services: [{ name: 'kiali', type: 'ClusterIP', port: 20001 }],
    },
    loki: { workloads: [{ kind: 'StatefulSet', name: 'loki' }] },
    // two releases of the opentelemetry-collector chart: the log shipper (DaemonSet, by release)
    // and the trace collector (Deployment, by chart)
    'otel-logs': {
      workloads: [{ kind: 'DaemonSet', name: 'otel-logs-agent' }],
    },
    'opentelemetry-collector': {
      workloads: [{ kind: 'Deployment', name: 'opentelemetry-collector' }],
    },
    // the server pods (vault-0, …) serve Vault's API through startVaultService
    vault: {
      workloads: [
        { kind: 'StatefulSet', name: 'vault' },
        { kind: 'Deployment', name: 'vault-agent-injector' },
      ],
      services: [{ name: 'vault-ui', type: 'ClusterIP', port: 8200 }],
    },
    chartmuseum: {
      workloads: [{ kind: 'Deployment', name: 'chartmuseum' }],
      services: [{ name: 'chartmuseum', type: 'ClusterIP', port: 8080 }],
    },
    'chaos-mesh': {
      workloads: [
        { kind: 'Deployment', name: 'chaos-controller-manager' },
        { kind: 'Deployment', name: 'chaos-dashboard' },
        { kind: 'DaemonSet', name: 'chaos-daemon' },
      ],
      services: [{ name: 'chaos-dashboard', type: 'ClusterIP', port: 2333 }],
    },
  };
}
