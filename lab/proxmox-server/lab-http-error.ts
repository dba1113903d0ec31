/** An answer the lab server gives the way Proxmox does: the text in the reason phrase. */
export class LabHttpError extends Error {
  override name = "LabHttpError";
  readonly status: number;
  readonly errors: Record<string, string> | undefined;

  constructor(status: number, reason: string, errors?: Record<string, string>) {
    super(reason);
    this.status = status;
    this.errors = errors;
  }
}

/** The 400 Proxmox sends when parameters do not verify, with its `errors` map. */
export function parameterError(errors: Record<string, string>): LabHttpError {
  return new LabHttpError(400, "Parameter verification failed.", errors);
}
