/**
 * A `netN` value as Proxmox prints it: `virtio=BC:24:11:00:00:21,bridge=vmbr0,tag=10,firewall=1`,
 * the model as the key of the MAC, then `key=value` options (proxmox/qemu-server@9.2.6
 * src/PVE/QemuServer/Network.pm:48-66 `$net_fmt`: each model name is a key alias of `model` with
 * the MAC as its value).
 */
export interface ProxmoxNic {
  readonly model: string;
  /** Lower case. */
  readonly mac: string;
  /** The other options in their order, e.g. bridge, tag, firewall. */
  readonly options: ReadonlyMap<string, string>;
}

export function parseProxmoxNic(value: string): ProxmoxNic | undefined {
  const [first = "", ...rest] = value.split(",");
  const [model = "", mac = ""] = first.split("=");
  if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(mac)) {
    return undefined;
  }
  const options = new Map(
    rest.map((part): [string, string] => {
      const at = part.indexOf("=");
      return at < 0 ? [part, ""] : [part.slice(0, at), part.slice(at + 1)];
    }),
  );
  return { model, mac: mac.toLowerCase(), options };
}
