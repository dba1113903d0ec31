/**
 * The apps of the lab's Flux tree (see flux-tree.ts), one cluster-template-shaped folder each.
 * Charts are real ones at versions the lab's chart catalog (lab/fake-cli, LAB_CHARTS) carries:
 * cilium 1.18.4 (the rendered bootstrap CNI's), coredns and cert-manager from the registries
 * onedr0p/cluster-template@2026.8.0 pins, local-path-provisioner from containeroo's Helm
 * repository, the tunnel from cloudflare/helm-charts (its Deployment is named after the release),
 * echo on bjw-s app-template (cluster-template's echo-server before echo had a chart of its own),
 * kube-prometheus-stack from prometheus-community's OCI registry.
 */

/** Where `flux bootstrap git --path` points: the tree's entry point. */
export const LAB_FLUX_PATH = "kubernetes/flux/cluster";

interface Chart {
  readonly repository: string;
  readonly url: string;
  readonly chart: string;
  readonly version: string;
}

interface App {
  readonly namespace: string;
  readonly name: string;
  readonly chart: Chart;
  /** The HelmRelease's `spec.values`, as YAML indented by four spaces. */
  readonly values: string;
  /** More manifests in app/, file name → text. */
  readonly extra?: Readonly<Record<string, string>>;
}

const chart = (url: string, name: string, version: string, repository = name): Chart => ({
  repository,
  url,
  chart: name,
  version,
});

const DOMAIN = "example.com";

const CLUSTER_ISSUER = `---
apiVersion: cert-manager.io/v1
kind: ClusterIssuer
metadata:
  name: letsencrypt-production
spec:
  acme:
    privateKeySecretRef:
      name: letsencrypt-production
    server: https://acme-v02.api.letsencrypt.org/directory
    solvers:
      - dns01:
          cloudflare:
            apiTokenSecretRef:
              name: cert-manager-secret
              key: api-token
        selector:
          dnsZones: ["${DOMAIN}"]
`;

const CERTIFICATE = `---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: example-com-production
spec:
  dnsNames:
    - "${DOMAIN}"
    - "*.${DOMAIN}"
  issuerRef:
    name: letsencrypt-production
    kind: ClusterIssuer
  privateKey:
    algorithm: ECDSA
  secretName: example-com-production-tls
`;

/** The class the tunnel's Ingresses use; the tunnel's origin serves it. */
const INGRESS_CLASS = `---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: external
spec:
  controller: k8s.io/ingress-nginx
`;

const ECHO_INGRESS = `---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: echo
spec:
  ingressClassName: external
  rules:
    - host: echo.${DOMAIN}
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: echo
                port:
                  number: 80
  tls:
    - hosts: ["echo.${DOMAIN}"]
      secretName: example-com-production-tls
`;

const APPS: readonly App[] = [
  {
    namespace: "kube-system",
    name: "cilium",
    chart: chart("oci://quay.io/cilium/charts", "cilium", "1.18.4"),
    values:
      "    ipam:\n      mode: kubernetes\n    kubeProxyReplacement: true\n    operator:\n      replicas: 1\n",
  },
  {
    namespace: "kube-system",
    name: "coredns",
    chart: chart("oci://ghcr.io/coredns/charts", "coredns", "1.45.0"),
    values:
      "    fullnameOverride: coredns\n    k8sAppLabelOverride: kube-dns\n    service:\n      name: kube-dns\n      clusterIP: 10.43.0.10\n    replicaCount: 1\n",
  },
  {
    namespace: "storage",
    name: "local-path-provisioner",
    chart: chart("https://charts.containeroo.ch", "local-path-provisioner", "0.0.33", "containeroo"),
    values:
      "    storageClass:\n      create: true\n      name: local-path\n      defaultClass: true\n      reclaimPolicy: Delete\n",
  },
  {
    // cluster-template's echo-server before its own chart: bjw-s app-template.
    namespace: "default",
    name: "echo",
    chart: chart("oci://ghcr.io/bjw-s-labs/helm", "app-template", "4.3.0", "bjw-s"),
    values:
      "    controllers:\n      echo:\n        containers:\n          app:\n            image:\n              repository: ghcr.io/mendhak/http-https-echo\n              tag: 37\n    service:\n      app:\n        ports:\n          http:\n            port: 80\n",
    extra: { "ingress.yaml": ECHO_INGRESS },
  },
  {
    namespace: "cert-manager",
    name: "cert-manager",
    chart: chart("oci://quay.io/jetstack/charts", "cert-manager", "v1.19.1"),
    values: "    crds:\n      enabled: true\n    replicaCount: 1\n",
    extra: { "clusterissuer.yaml": CLUSTER_ISSUER },
  },
  {
    namespace: "network",
    name: "cloudflare-tunnel",
    chart: chart("https://cloudflare.github.io/helm-charts", "cloudflare-tunnel", "0.3.2", "cloudflare"),
    values:
      "    cloudflare:\n      tunnelName: kubernetes\n      secretName: cloudflare-tunnel-secret\n    replicaCount: 1\n",
    extra: { "certificate.yaml": CERTIFICATE, "ingressclass.yaml": INGRESS_CLASS },
  },
  {
    namespace: "observability",
    name: "kube-prometheus-stack",
    chart: chart("oci://ghcr.io/prometheus-community/charts", "kube-prometheus-stack", "79.5.0"),
    values:
      "    prometheus:\n      service:\n        port: 9090\n    kubeEtcd:\n      enabled: true\n    grafana:\n      enabled: false\n",
  },
];

/** Every file under kubernetes/apps/. */
export function labApps(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const namespace of [...new Set(APPS.map((app) => app.namespace))]) {
    const apps = APPS.filter((app) => app.namespace === namespace);
    const folder = `kubernetes/apps/${namespace}`;
    files[`${folder}/namespace.yaml`] = namespaceManifest(namespace);
    files[`${folder}/kustomization.yaml`] = kustomization(
      ["./namespace.yaml", ...apps.map((app) => `./${app.name}/ks.yaml`)],
      namespace,
    );
    for (const app of apps) {
      Object.assign(files, appFiles(app, `${folder}/${app.name}`));
    }
  }
  return files;
}

function appFiles(app: App, folder: string): Record<string, string> {
  const extra = app.extra ?? {};
  return {
    [`${folder}/ks.yaml`]: fluxKustomization(app, `./${folder}/app`),
    [`${folder}/app/kustomization.yaml`]: kustomization([
      "./helmrelease.yaml",
      "./helmrepository.yaml",
      ...Object.keys(extra).map((file) => `./${file}`),
    ]),
    [`${folder}/app/helmrelease.yaml`]: helmRelease(app),
    [`${folder}/app/helmrepository.yaml`]: helmRepository(app.chart),
    ...Object.fromEntries(Object.entries(extra).map(([file, text]) => [`${folder}/app/${file}`, text])),
  };
}

function namespaceManifest(name: string): string {
  return `---
apiVersion: v1
kind: Namespace
metadata:
  name: ${name}
  annotations:
    kustomize.toolkit.fluxcd.io/prune: disabled
`;
}

function kustomization(resources: readonly string[], namespace?: string): string {
  return `---
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
${namespace === undefined ? "" : `namespace: ${namespace}\n`}resources:
${resources.map((resource) => `  - ${resource}`).join("\n")}
`;
}

function fluxKustomization(app: App, path: string): string {
  return `---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: ${app.name}
spec:
  interval: 1h
  path: ${path}
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
    namespace: flux-system
  targetNamespace: ${app.namespace}
  wait: false
`;
}

function helmRelease(app: App): string {
  return `---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: ${app.name}
spec:
  chart:
    spec:
      chart: ${app.chart.chart}
      version: ${app.chart.version}
      sourceRef:
        kind: HelmRepository
        name: ${app.chart.repository}
  interval: 1h
  values:
${app.values}`;
}

function helmRepository(chart: Chart): string {
  return `---
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: ${chart.repository}
spec:
${chart.url.startsWith("oci://") ? "  type: oci\n" : ""}  interval: 1h
  url: ${chart.url}
`;
}
