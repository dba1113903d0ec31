export async function demoCommand(options: { keep?: boolean }): Promise<void> {
  const { runDemo } = await import("../../demo/index.ts");
  await runDemo(options);
}
