import { describe, expect, it } from "vitest";
import { Redactor } from "./index.ts";

// Output as the real tools print it; none of it holds a secret, so all of it must come back unchanged.
const TALOSCTL_GET_MEMBERS = `NODE        NAMESPACE   TYPE     ID           VERSION   HOSTNAME     MACHINE TYPE   OS                ADDRESSES
10.0.0.11   cluster     Member   talos-cp-1   1         talos-cp-1   controlplane   Talos (v1.9.1)    ["10.0.0.11","fd00:10::11"]
10.0.0.11   cluster     Member   talos-w-1    2         talos-w-1    worker         Talos (v1.9.1)    ["10.0.0.21"]`;

const TALOSCTL_VERSION = `Client:
	Tag:         v1.9.1
	SHA:         bb4c11d1
	Built:
	Go version:  go1.23.4
	OS/Arch:     linux/amd64
Server:
	NODE:        10.0.0.11
	Tag:         v1.9.1
	SHA:         bb4c11d1
	Built:
	Go version:  go1.23.4
	OS/Arch:     linux/amd64
	Enabled:     RBAC`;

const TALOSCTL_DMESG = `10.0.0.11: kern:    info: [2025-01-15T10:23:45.123456789Z]: virtio_net virtio1 enp6s18: renamed from eth0
10.0.0.11: user: warning: [2025-01-15T10:23:50.987654321Z]: [talos] task startAllServices (1/1): service "etcd" to be "up"
10.0.0.11: user: warning: [2025-01-15T10:24:02.112233445Z]: [talos] etcd is waiting to join the cluster, if this node is the first node in the cluster, please run \`talosctl bootstrap\` against one of the following IPs:
10.0.0.11: user: warning: [2025-01-15T10:24:02.112233445Z]: [talos] [10.0.0.11]
10.0.0.11: user: warning: [2025-01-15T10:24:10.000000000Z]: [talos] controller failed {"component": "controller-runtime", "controller": "k8s.KubeletStaticPodController", "error": "error refreshing pod status: error fetching pod status: an error on the server (\\"Authorization error (user=apiserver-kubelet-client, verb=get, resource=nodes, subresource=proxy)\\") has prevented the request from succeeding"}`;

const KUBECTL_GET_PODS = `NAMESPACE     NAME                                           READY   STATUS             RESTARTS      AGE
flux-system   helm-controller-5f7c9d8b4-x2x9z                1/1     Running            0             3d4h
flux-system   kustomize-controller-6b8d9c7f5-qw8rt           1/1     Running            0             3d4h
kube-system   cilium-operator-7b9f8c6d5d-2xk4m               1/1     Running            1 (2d ago)    3d4h
network       cloudflared-6d8f9b7c4-h5j2k                    0/1     CrashLoopBackOff   12 (3m ago)   41m
observability kube-prometheus-stack-prometheus-node-exporter-9xk2p   1/1   Running   0   3d4h`;

const KUBECTL_DESCRIBE_POD = `Name:             cloudflared-6d8f9b7c4-h5j2k
Namespace:        network
Node:             talos-w-1/10.0.0.21
Labels:           app.kubernetes.io/name=cloudflared
                  pod-template-hash=6d8f9b7c4
Status:           Running
IP:               10.244.1.17
Controlled By:  ReplicaSet/cloudflared-6d8f9b7c4
Containers:
  app:
    Container ID:  containerd://3b1f6b2f0c9d4e5a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a
    Image:         docker.io/cloudflare/cloudflared:2024.12.2@sha256:4bd6e1d9de2f0e3e53b09d0c51da0a3fd3e0a8d7f2c84e6b4f2b0e0e06b3d3c1
    Image ID:      docker.io/cloudflare/cloudflared@sha256:4bd6e1d9de2f0e3e53b09d0c51da0a3fd3e0a8d7f2c84e6b4f2b0e0e06b3d3c1
    Args:
      tunnel
      --metrics
      0.0.0.0:8080
      run
    Last State:     Terminated
      Reason:       Error
      Exit Code:    1
    Environment:
      TUNNEL_TOKEN:  <set to the key 'token' in secret 'cloudflared-secret'>  Optional: false
      TUNNEL_TRANSPORT_PROTOCOL:  quic
    Mounts:
      /var/run/secrets/kubernetes.io/serviceaccount from kube-api-access-9xk2p (ro)
Volumes:
  kube-api-access-9xk2p:
    Type:                    Projected (a volume that contains injected data from multiple sources)
    TokenExpirationSeconds:  3607
  creds:
    Type:        Secret (a volume populated by a Secret)
    SecretName:  cloudflared-secret
    Optional:    false
Events:
  Type     Reason   Age                  From     Message
  ----     ------   ----                 ----     -------
  Warning  BackOff  2m (x180 over 41m)   kubelet  Back-off restarting failed container app in pod cloudflared-6d8f9b7c4-h5j2k_network(0b6a1f2e-4c3d-4b5a-9e8f-7d6c5b4a3f2e)`;

const KUBECTL_DESCRIBE_SECRET = `Name:         cloudflared-secret
Namespace:    network
Type:  Opaque

Data
====
token:  184 bytes`;

const FLUX_GET_KS = `NAME            REVISION                SUSPENDED       READY   MESSAGE
cluster-apps    main@sha1:4f3c2a1b0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b      False   False   HelmRelease/network/cloudflared dry-run failed: failed to create typed patch object
flux-system     main@sha1:4f3c2a1b0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b      False   True    Applied revision: main@sha1:4f3c2a1b0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b`;

const FLUX_LOGS = `2025-01-15T10:31:02.123Z error Kustomization/cluster-apps.flux-system - Reconciliation failed after 1.2s, next try in 10m0s  revision=main@sha1:4f3c2a1b0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b error=HelmRelease/network/cloudflared dry-run failed
2025-01-15T10:31:05.456Z error GitRepository/flux-system.flux-system - failed to checkout and determine revision: unable to clone 'ssh://git@github.com/okwilkins/h8s': ssh: handshake failed: ssh: unable to authenticate, attempted methods [none publickey], no supported methods remain`;

const KLOG = `E0115 10:23:45.123456       1 reflector.go:147] k8s.io/client-go@v0.31.0/tools/cache/reflector.go:243: Failed to watch *v1.Secret: failed to list *v1.Secret: secrets is forbidden: User "system:serviceaccount:flux-system:kustomize-controller" cannot list resource "secrets" in API group "" at the cluster scope
I0115 10:23:46.000001       1 shared_informer.go:320] Caches are synced for garbage collector`;

const CILIUM_STATUS = `    /¯¯\\
 /¯¯\\__/¯¯\\    Cilium:             OK
 \\__/¯¯\\__/    Operator:           OK
 /¯¯\\__/¯¯\\    Envoy DaemonSet:    OK
 \\__/¯¯\\__/    Hubble Relay:       disabled
    \\__/       ClusterMesh:        disabled

DaemonSet              cilium             Desired: 3, Ready: 3/3, Available: 3/3
Containers:            cilium             Running: 3
Cluster Pods:          14/14 managed by Cilium
Image versions         cilium             quay.io/cilium/cilium:v1.16.5@sha256:758ca0793f5995bb938a2fa219dcce63dc0b3fa7345f7ce41e5a71d1a2e3b5dd: 3`;

const MISC = `installer image: factory.talos.dev/installer/376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba:v1.9.1
commit 0e0f4a15c2d3b4a5968778695a4b3c2d1e0f9a8b
Merge: 1a2b3c4 5d6e7f8
task UPID:pve:0000A1B2:0012C3D4:65A1B2C3:qmcreate:101:root@pam!orchestrator: OK
net0: virtio=BC:24:11:5E:7A:01,bridge=vmbr0,tag=20
scsi0: local-lvm:vm-101-disk-0,iothread=1,size=32G
GET /api2/json/nodes/pve/qemu/101/status/current 200
uuid: 0b6a1f2e-4c3d-4b5a-9e8f-7d6c5b4a3f2e
/dev/disk/by-id/scsi-0QEMU_QEMU_HARDDISK_drive-scsi0
secrets: ["**/talosconfig", "**/kubeconfig"]
key: app.kubernetes.io/name
tokenFile: /var/run/secrets/tokens/vault-token
max_tokens=512 temperature=0.2
https://github.com/onedr0p/cluster-template.git
http://10.0.0.10:6443/readyz
Authorization error (user=apiserver-kubelet-client, verb=get)`;

// Lines that mention passwords, tokens and secrets without holding one, near the shapes the
// newer rules look for (next-line YAML values, tool flags, pveum output, Secret manifests).
const MENTIONS = `FATAL:  password authentication failed for user "grafana"
level=info msg="token refreshed" expires_in=3600
kubelet --token-file /var/run/secrets/tokens/kubelet-token --rotate-certificates
      secretName: cloudflared-tls
      passwordSecretRef:
        name: grafana-admin
        key: admin-password
mysql -h db -P 3306 -u root --protocol=tcp
docker login registry.lab
redis-cli -h redis ping
apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
data:
  LOG_LEVEL: debug
  FEATURE_FLAGS: a,b,c
---
┌──────────────┬────────────┐
│ key          │ value      │
╞══════════════╪════════════╡
│ expire       │ 0          │
└──────────────┴────────────┘
Password:
token:
Enter passphrase for key '/root/.ssh/id_ed25519':
curl -u admin https://pve.lab:8006/
machine: controlplane
Failed password for invalid user default from 5.188.10.180 port 41538 ssh2
Auth successful for job_1445144423722_0020 (auth:SIMPLE)
@@ -1,3 +1,3 @@
-talosVersion: v1.11.5
+talosVersion: v1.12.0
 kubernetesVersion: v1.34.1`;

describe("Redactor leaves ordinary operations output alone", () => {
  it.each([
    ["talosctl get members", TALOSCTL_GET_MEMBERS],
    ["talosctl version", TALOSCTL_VERSION],
    ["talosctl dmesg", TALOSCTL_DMESG],
    ["kubectl get pods -A", KUBECTL_GET_PODS],
    ["kubectl describe pod", KUBECTL_DESCRIBE_POD],
    ["kubectl describe secret (sizes only)", KUBECTL_DESCRIBE_SECRET],
    ["flux get ks -A", FLUX_GET_KS],
    ["flux logs", FLUX_LOGS],
    ["klog lines", KLOG],
    ["cilium status", CILIUM_STATUS],
    ["SHAs, digests, UUIDs, MACs, image tags, URLs and key names", MISC],
    ["lines that mention secrets without holding one", MENTIONS],
  ])("%s", (_name, text) => {
    const redactor = new Redactor();
    expect(redactor.redact(text)).toBe(text);
    expect(redactor.findings).toEqual([]);
  });
});
