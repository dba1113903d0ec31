export async function demoCommand(options: { keep?: boolean }): Promise<void> {
  const { runDemo } = await import("../../demo/index.ts");
  if (!(await runDemo(options))) {
    process.stderr.write(
      "demo: the sandbox lab did not converge; this is a bug, and the output above shows where\n",
    );
    process.exitCode = 1;
  }
}
