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

interface DependsOn {
  readonly name: string;
  /** Default: the Kustomization's own namespace. */
  readonly namespace?: string;
}

/** A Flux Kustomization over one folder of the app (`app/`, `issuers/`…), listed in its ks.yaml. */
interface Part {
  readonly name: string;
  readonly folder: string;
  readonly dependsOn?: readonly DependsOn[];
  /** Manifests in the folder, file name → text. */
  readonly files: Readonly<Record<string, string>>;
}

interface App {
  readonly namespace: string;
  readonly name: string;
  /** The HelmRelease's chart and `spec.values` (YAML indented by four spaces); none for plain manifests. */
  readonly release?: { readonly chart: Chart; readonly values: string };
  readonly dependsOn?: readonly DependsOn[];
  /** More manifests in app/, file name → text. */
  readonly extra?: Readonly<Record<string, string>>;
  /**
   * Kustomizations after the app's own: objects of kinds its chart defines (a ClusterIssuer needs
   * cert-manager's CRDs) cannot be applied with the chart, so they wait for it with dependsOn,
   * as cluster-template's cert-manager-issuers did.
   */
  readonly parts?: readonly Part[];
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
    release: {
      chart: chart("oci://quay.io/cilium/charts", "cilium", "1.18.4"),
      values:
        "    ipam:\n      mode: kubernetes\n    kubeProxyReplacement: true\n    operator:\n      replicas: 1\n",
    },
  },
  {
    namespace: "kube-system",
    name: "coredns",
    release: {
      chart: chart("oci://ghcr.io/coredns/charts", "coredns", "1.45.0"),
      values:
        "    fullnameOverride: coredns\n    k8sAppLabelOverride: kube-dns\n    service:\n      name: kube-dns\n      clusterIP: 10.43.0.10\n    replicaCount: 1\n",
    },
  },
  {
    namespace: "storage",
    name: "local-path-provisioner",
    release: {
      chart: chart("https://charts.containeroo.ch", "local-path-provisioner", "0.0.33", "containeroo"),
      values:
        "    storageClass:\n      create: true\n      name: local-path\n      defaultClass: true\n      reclaimPolicy: Delete\n",
    },
  },
  {
    // cluster-template's echo-server before its own chart: bjw-s app-template.
    namespace: "default",
    name: "echo",
    release: {
      chart: chart("oci://ghcr.io/bjw-s-labs/helm", "app-template", "4.3.0", "bjw-s"),
      values:
        "    controllers:\n      echo:\n        containers:\n          app:\n            image:\n              repository: ghcr.io/mendhak/http-https-echo\n              tag: 37\n    service:\n      app:\n        ports:\n          http:\n            port: 80\n",
    },
    extra: { "ingress.yaml": ECHO_INGRESS },
  },
  {
    namespace: "cert-manager",
    name: "cert-manager",
    release: {
      chart: chart("oci://quay.io/jetstack/charts", "cert-manager", "v1.19.1"),
      values: "    crds:\n      enabled: true\n    replicaCount: 1\n",
    },
    parts: [
      {
        name: "cert-manager-issuers",
        folder: "issuers",
        dependsOn: [{ name: "cert-manager" }],
        files: { "clusterissuer.yaml": CLUSTER_ISSUER },
      },
    ],
  },
  {
    namespace: "network",
    name: "cloudflare-tunnel",
    release: {
      chart: chart("https://cloudflare.github.io/helm-charts", "cloudflare-tunnel", "0.3.2", "cloudflare"),
      values:
        "    cloudflare:\n      tunnelName: kubernetes\n      secretName: cloudflare-tunnel-secret\n    replicaCount: 1\n",
    },
    extra: { "ingressclass.yaml": INGRESS_CLASS },
  },
  {
    // The wildcard certificate the tunnel's Ingresses use (cluster-template's network certificates).
    namespace: "network",
    name: "certificates",
    dependsOn: [{ name: "cert-manager-issuers", namespace: "cert-manager" }],
    extra: { "certificate.yaml": CERTIFICATE },
  },
  {
    namespace: "observability",
    name: "kube-prometheus-stack",
    release: {
      chart: chart("oci://ghcr.io/prometheus-community/charts", "kube-prometheus-stack", "79.5.0"),
      values:
        "    prometheus:\n      service:\n        port: 9090\n    kubeEtcd:\n      enabled: true\n    grafana:\n      enabled: false\n",
    },
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
  const own: Record<string, string> = {
    ...(app.release === undefined
      ? {}
      : {
          "helmrelease.yaml": helmRelease(app.name, app.release),
          "helmrepository.yaml": helmRepository(app.release.chart),
        }),
    ...app.extra,
  };
  const parts: Part[] = [
    { name: app.name, folder: "app", ...(app.dependsOn ? { dependsOn: app.dependsOn } : {}), files: own },
    ...(app.parts ?? []),
  ];
  const files: Record<string, string> = {
    [`${folder}/ks.yaml`]: parts
      .map((part) => fluxKustomization(app.namespace, part, `./${folder}/${part.folder}`))
      .join(""),
  };
  for (const part of parts) {
    files[`${folder}/${part.folder}/kustomization.yaml`] = kustomization(
      Object.keys(part.files).map((file) => `./${file}`),
    );
    for (const [file, text] of Object.entries(part.files)) {
      files[`${folder}/${part.folder}/${file}`] = text;
    }
  }
  return files;
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

function fluxKustomization(namespace: string, part: Part, path: string): string {
  const dependsOn =
    part.dependsOn === undefined
      ? ""
      : `  dependsOn:\n${part.dependsOn
          .map(
            (dep) =>
              `    - name: ${dep.name}\n${dep.namespace === undefined ? "" : `      namespace: ${dep.namespace}\n`}`,
          )
          .join("")}`;
  return `---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: ${part.name}
spec:
${dependsOn}  interval: 1h
  path: ${path}
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
    namespace: flux-system
  targetNamespace: ${namespace}
  wait: false
`;
}

function helmRelease(name: string, release: { chart: Chart; values: string }): string {
  return `---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: ${name}
spec:
  chart:
    spec:
      chart: ${release.chart.chart}
      version: ${release.chart.version}
      sourceRef:
        kind: HelmRepository
        name: ${release.chart.repository}
  interval: 1h
  values:
${release.values}`;
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
