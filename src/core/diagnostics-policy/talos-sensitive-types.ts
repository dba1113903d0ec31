/**
 * The Talos resource types whose ResourceDefinition says `Sensitivity: meta.Sensitive`: Talos
 * itself serves them only to the os:admin role (siderolabs/talos@v1.13.9
 * internal/app/resources/access.go:44, the same at v1.12.11), because they carry keys,
 * tokens, certificates or the machine configuration. A diagnostic never reads them.
 *
 * Gathered from siderolabs/talos at v1.12.11 (commit 2e80771b), v1.13.9 (commit 3ebd10a7) and main
 * (commit ad882317, 2026-08-21) by listing every `Sensitivity: meta.Sensitive` under
 * pkg/machinery/resources; each entry names the file:line where its type is marked, per version.
 * The union is kept: a node may run any of these versions.
 */
export interface SensitiveTalosType {
  /** The resource type as Talos defines it: plural CamelCase name, then its group. */
  type: string;
  /** What cosi's pluralize makes of the name (the display type, also an alias). */
  singular: string;
  /** `<talos version> <file>:<line>` for each version that marks it Sensitive. */
  sensitiveIn: string[];
}

export const TALOS_SENSITIVE_TYPES_SOURCE =
  "siderolabs/talos@v1.12.11, @v1.13.9 and main@ad8823176: pkg/machinery/resources/**";

export const TALOS_SENSITIVE_TYPES: readonly SensitiveTalosType[] = [
  {
    type: "ApiCertificates.secrets.talos.dev",
    singular: "ApiCertificate",
    sensitiveIn: [
      "v1.12.11 pkg/machinery/resources/secrets/api.go:52",
      "v1.13.9 pkg/machinery/resources/secrets/api.go:55",
      "main@ad8823176 pkg/machinery/resources/secrets/api.go:55",
    ],
  },
  {
    type: "APIServerConfigs.kubernetes.talos.dev",
    singular: "APIServerConfig",
    sensitiveIn: [
      "v1.12.11 pkg/machinery/resources/k8s/apiserver_config.go:76",
      "v1.13.9 pkg/machinery/resources/k8s/apiserver_config.go:84",
      "main@ad8823176 pkg/machinery/resources/k8s/apiserver_config.go:90",
    ],
  },
  {
    type: "AuditPolicyConfigs.kubernetes.talos.dev",
    singular: "AuditPolicyConfig",
    sensitiveIn: [
      "v1.12.11 pkg/machinery/resources/k8s/auditpolicy_config.go:48",
      "v1.13.9 pkg/machinery/resources/k8s/auditpolicy_config.go:49",
      "main@ad8823176 pkg/machinery/resources/k8s/auditpolicy_config.go:49",
    ],
  },
  {
    type: "AuthenticationConfigs.kubernetes.talos.dev",
    singular: "AuthenticationConfig",
    sensitiveIn: ["main@ad8823176 pkg/machinery/resources/k8s/authentication_config.go:49"],
  },
  {
    type: "AuthorizationConfigs.kubernetes.talos.dev",
    singular: "AuthorizationConfig",
    sensitiveIn: [
      "v1.12.11 pkg/machinery/resources/k8s/authorization_config.go:56",
      "v1.13.9 pkg/machinery/resources/k8s/authorization_config.go:57",
      "main@ad8823176 pkg/machinery/resources/k8s/authorization_config.go:57",
    ],
  },
  {
    type: "CertSANs.secrets.talos.dev",
    singular: "CertSAN",
    sensitiveIn: [
      "v1.12.11 pkg/machinery/resources/secrets/cert_sans.go:63",
      "v1.13.9 pkg/machinery/resources/secrets/cert_sans.go:63",
      "main@ad8823176 pkg/machinery/resources/secrets/cert_sans.go:63",
    ],
  },
  {
    type: "CustomizationConfigs.cri.talos.dev",
    singular: "CustomizationConfig",
    sensitiveIn: ["main@ad8823176 pkg/machinery/resources/cri/customization_config.go:47"],
  },
  {
    type: "DeviceConfigSpecs.net.talos.dev",
    singular: "DeviceConfigSpec",
    sensitiveIn: [
      "v1.12.11 pkg/machinery/resources/network/device_config_spec.go:59",
      "v1.13.9 pkg/machinery/resources/network/device_config_spec.go:59",
      "main@ad8823176 pkg/machinery/resources/network/device_config_spec.go:59",
    ],
  },
  {
    type: "DiscoveryConfigs.cluster.talos.dev",
    singular: "DiscoveryConfig",
    sensitiveIn: [
      "v1.12.11 pkg/machinery/resources/cluster/config.go:57",
      "v1.13.9 pkg/machinery/resources/cluster/config.go:57",
      "main@ad8823176 pkg/machinery/resources/cluster/config.go:74",
    ],
  },
  {
    type: "EncryptionSalts.secrets.talos.dev",
    singular: "EncryptionSalt",
    sensitiveIn: [
      "v1.12.11 pkg/machinery/resources/secrets/encryption_salt.go:49",
      "v1.13.9 pkg/machinery/resources/secrets/encryption_salt.go:49",
      "main@ad8823176 pkg/machinery/resources/secrets/encryption_salt.go:49",
    ],
  },
  {
    type: "EtcdEncryptionConfigs.kubernetes.talos.dev",
    singular: "EtcdEncryptionConfig",
    sensitiveIn: ["main@ad8823176 pkg/machinery/resources/k8s/etcd_encryption_config.go:49"],
  },
  {
    type: "EtcdRootSecrets.secrets.talos.dev",
    singular: "EtcdRootSecret",
    sensitiveIn: [
      "v1.12.11 pkg/machinery/resources/secrets/etcd_root.go:50",
      "v1.13.9 pkg/machinery/resources/secrets/etcd_root.go:50",
      "main@ad8823176 pkg/machinery/resources/secrets/etcd_root.go:50",
    ],
  },
  {
    type: "EtcdSecrets.secrets.talos.dev",
    singular: "EtcdSecret",
    sensitiveIn: [
      "v1.12.11 pkg/machinery/resources/secrets/etcd.go:53",
      "v1.13.9 pkg/machinery/resources/secrets/etcd.go:53",
      "main@ad8823176 pkg/machinery/resources/secrets/etcd.go:53",
    ],
  },
  {
    type: "EtcFileSpecs.files.talos.dev",
    singular: "EtcFileSpec",
    sensitiveIn: [
      "v1.12.11 pkg/machinery/resources/files/etcfile_spec.go:54",
      "v1.13.9 pkg/machinery/resources/files/etcfile_spec.go:54",
      "main@ad8823176 pkg/machinery/resources/files/etcfile_spec.go:56",
    ],
  },
  {
    type: "ExtensionServiceConfigs.runtime.talos.dev",
    singular: "ExtensionServiceConfig",
    sensitiveIn: [
      "v1.12.11 pkg/machinery/resources/runtime/extension_services_config.go:56",
      "v1.13.9 pkg/machinery/resources/runtime/extension_services_config.go:56",
      "main@ad8823176 pkg/machinery/resources/runtime/extension_services_config.go:56",
    ],
  },
  {
    type: "KubeletConfigs.kubernetes.talos.dev",
    singular: "KubeletConfig",
    sensitiveIn: [
      "v1.12.11 pkg/machinery/resources/k8s/kubelet_config.go:63",
      "v1.13.9 pkg/machinery/resources/k8s/kubelet_config.go:63",
      "main@ad8823176 pkg/machinery/resources/k8s/kubelet_config.go:63",
    ],
  },
  {
    type: "KubeletSecrets.secrets.talos.dev",
    singular: "KubeletSecret",
    sensitiveIn: [
      "v1.12.11 pkg/machinery/resources/secrets/kubelet.go:57",
      "v1.13.9 pkg/machinery/resources/secrets/kubelet.go:57",
      "main@ad8823176 pkg/machinery/resources/secrets/kubelet.go:62",
    ],
  },
  {
    type: "KubeletSpecs.kubernetes.talos.dev",
    singular: "KubeletSpec",
    sensitiveIn: [
      "v1.12.11 pkg/machinery/resources/k8s/kubelet_spec.go:52",
      "v1.13.9 pkg/machinery/resources/k8s/kubelet_spec.go:52",
      "main@ad8823176 pkg/machinery/resources/k8s/kubelet_spec.go:52",
    ],
  },
  {
    type: "KubernetesDynamicCerts.secrets.talos.dev",
    singular: "KubernetesDynamicCert",
    sensitiveIn: [
      "v1.12.11 pkg/machinery/resources/secrets/kubernetes_certs.go:54",
      "v1.13.9 pkg/machinery/resources/secrets/kubernetes_certs.go:54",
      "main@ad8823176 pkg/machinery/resources/secrets/kubernetes_certs.go:54",
    ],
  },
  {
    type: "KubernetesRootSecrets.secrets.talos.dev",
    singular: "KubernetesRootSecret",
    sensitiveIn: [
      "v1.12.11 pkg/machinery/resources/secrets/kubernetes_root.go:70",
      "v1.13.9 pkg/machinery/resources/secrets/kubernetes_root.go:70",
      "main@ad8823176 pkg/machinery/resources/secrets/kubernetes_root.go:87",
    ],
  },
  {
    type: "KubernetesSecrets.secrets.talos.dev",
    singular: "KubernetesSecret",
    sensitiveIn: [
      "v1.12.11 pkg/machinery/resources/secrets/kubernetes.go:56",
      "v1.13.9 pkg/machinery/resources/secrets/kubernetes.go:56",
      "main@ad8823176 pkg/machinery/resources/secrets/kubernetes.go:56",
    ],
  },
  {
    type: "KubeSpanConfigs.kubespan.talos.dev",
    singular: "KubeSpanConfig",
    sensitiveIn: [
      "v1.12.11 pkg/machinery/resources/kubespan/config.go:71",
      "v1.13.9 pkg/machinery/resources/kubespan/config.go:71",
      "main@ad8823176 pkg/machinery/resources/kubespan/config.go:71",
    ],
  },
  {
    type: "KubeSpanIdentities.kubespan.talos.dev",
    singular: "KubeSpanIdentity",
    sensitiveIn: [
      "v1.12.11 pkg/machinery/resources/kubespan/identity.go:69",
      "v1.13.9 pkg/machinery/resources/kubespan/identity.go:69",
      "main@ad8823176 pkg/machinery/resources/kubespan/identity.go:69",
    ],
  },
  {
    type: "LinkSpecs.net.talos.dev",
    singular: "LinkSpec",
    sensitiveIn: [
      "v1.12.11 pkg/machinery/resources/network/link_spec.go:154",
      "v1.13.9 pkg/machinery/resources/network/link_spec.go:167",
      "main@ad8823176 pkg/machinery/resources/network/link_spec.go:176",
    ],
  },
  {
    type: "MachineConfigs.config.talos.dev",
    singular: "MachineConfig",
    sensitiveIn: [
      "v1.12.11 pkg/machinery/resources/config/machine_config.go:108",
      "v1.13.9 pkg/machinery/resources/config/machine_config.go:105",
      "main@ad8823176 pkg/machinery/resources/config/machine_config.go:105",
    ],
  },
  {
    type: "MaintenanceRootSecrets.secrets.talos.dev",
    singular: "MaintenanceRootSecret",
    sensitiveIn: [
      "v1.12.11 pkg/machinery/resources/secrets/maintenance_root.go:50",
      "v1.13.9 pkg/machinery/resources/secrets/maintenance_root.go:50",
      "main@ad8823176 pkg/machinery/resources/secrets/maintenance_root.go:50",
    ],
  },
  {
    type: "MaintenanceServiceCertificates.secrets.talos.dev",
    singular: "MaintenanceServiceCertificate",
    sensitiveIn: ["v1.12.11 pkg/machinery/resources/secrets/maintenance.go:51"],
  },
  {
    type: "NodeAnnotationSpecs.k8s.talos.dev",
    singular: "NodeAnnotationSpec",
    sensitiveIn: [
      "v1.12.11 pkg/machinery/resources/k8s/node_annotation_spec.go:47",
      "v1.13.9 pkg/machinery/resources/k8s/node_annotation_spec.go:47",
      "main@ad8823176 pkg/machinery/resources/k8s/node_annotation_spec.go:47",
    ],
  },
  {
    type: "NodeCordonedSpecs.k8s.talos.dev",
    singular: "NodeCordonedSpec",
    sensitiveIn: [
      "v1.12.11 pkg/machinery/resources/k8s/node_cordoned_spec.go:47",
      "v1.13.9 pkg/machinery/resources/k8s/node_cordoned_spec.go:47",
      "main@ad8823176 pkg/machinery/resources/k8s/node_cordoned_spec.go:47",
    ],
  },
  {
    type: "NodeLabelSpecs.k8s.talos.dev",
    singular: "NodeLabelSpec",
    sensitiveIn: [
      "v1.12.11 pkg/machinery/resources/k8s/node_label_spec.go:47",
      "v1.13.9 pkg/machinery/resources/k8s/node_label_spec.go:47",
      "main@ad8823176 pkg/machinery/resources/k8s/node_label_spec.go:47",
    ],
  },
  {
    type: "NodeTaintSpecs.k8s.talos.dev",
    singular: "NodeTaintSpec",
    sensitiveIn: [
      "v1.12.11 pkg/machinery/resources/k8s/node_taint_spec.go:48",
      "v1.13.9 pkg/machinery/resources/k8s/node_taint_spec.go:48",
      "main@ad8823176 pkg/machinery/resources/k8s/node_taint_spec.go:48",
    ],
  },
  {
    type: "OOMActions.talos.dev",
    singular: "OOMAction",
    sensitiveIn: [
      "v1.12.11 pkg/machinery/resources/runtime/oom_action.go:58",
      "v1.13.9 pkg/machinery/resources/runtime/oom_action.go:58",
      "main@ad8823176 pkg/machinery/resources/runtime/oom_action.go:58",
    ],
  },
  {
    type: "OperatorSpecs.net.talos.dev",
    singular: "OperatorSpec",
    sensitiveIn: [
      "v1.12.11 pkg/machinery/resources/network/operator_spec.go:122",
      "v1.13.9 pkg/machinery/resources/network/operator_spec.go:122",
      "main@ad8823176 pkg/machinery/resources/network/operator_spec.go:123",
    ],
  },
  {
    type: "OSRootSecrets.secrets.talos.dev",
    singular: "OSRootSecret",
    sensitiveIn: [
      "v1.12.11 pkg/machinery/resources/secrets/os_root.go:57",
      "v1.13.9 pkg/machinery/resources/secrets/os_root.go:57",
      "main@ad8823176 pkg/machinery/resources/secrets/os_root.go:57",
    ],
  },
  {
    type: "RegistryConfigs.cri.talos.dev",
    singular: "RegistryConfig",
    sensitiveIn: [
      "v1.12.11 pkg/machinery/resources/cri/registries_config.go:210",
      "v1.13.9 pkg/machinery/resources/cri/registries_config.go:210",
      "main@ad8823176 pkg/machinery/resources/cri/registries_config.go:210",
    ],
  },
  {
    type: "SiderolinkConfigs.siderolink.talos.dev",
    singular: "SiderolinkConfig",
    sensitiveIn: [
      "v1.12.11 pkg/machinery/resources/siderolink/siderolink.go:67",
      "v1.13.9 pkg/machinery/resources/siderolink/siderolink.go:67",
      "main@ad8823176 pkg/machinery/resources/siderolink/siderolink.go:67",
    ],
  },
  {
    type: "SiderolinkTunnels.siderolink.talos.dev",
    singular: "SiderolinkTunnel",
    sensitiveIn: [
      "v1.12.11 pkg/machinery/resources/siderolink/siderolink_tunnel.go:78",
      "v1.13.9 pkg/machinery/resources/siderolink/siderolink_tunnel.go:78",
      "main@ad8823176 pkg/machinery/resources/siderolink/siderolink_tunnel.go:78",
    ],
  },
  {
    type: "TrustdCertificates.secrets.talos.dev",
    singular: "TrustdCertificate",
    sensitiveIn: [
      "v1.12.11 pkg/machinery/resources/secrets/trustd.go:51",
      "v1.13.9 pkg/machinery/resources/secrets/trustd.go:51",
      "main@ad8823176 pkg/machinery/resources/secrets/trustd.go:51",
    ],
  },
  {
    type: "VolumeConfigs.block.talos.dev",
    singular: "VolumeConfig",
    sensitiveIn: [
      "v1.12.11 pkg/machinery/resources/block/volume_config.go:223",
      "v1.13.9 pkg/machinery/resources/block/volume_config.go:283",
      "main@ad8823176 pkg/machinery/resources/block/volume_config.go:303",
    ],
  },
];
