import { readFile } from "node:fs/promises";
import { join, posix } from "node:path";
import { parse as parseYaml } from "yaml";

/**
 * The tasks a repo's task runner defines, with the commands each runs, so `init` can make a
 * stage call the user's own task (`just bootstrap talos`, `task talos:apply`, `mise run apply`)
 * instead of the tool directly. Each reader follows its runner's documented file format and
 * reads only what tells what a task does; a file it cannot read gives no tasks, never an error.
 */
export interface RepoTask {
  runner: "just" | "task" | "mise";
  /** Repo-relative file that defines the task (a just module or an included Taskfile included). */
  file: string;
  /** What a user types, from `dir`: `just bootstrap talos`, `task talos:apply`, `mise run apply`. */
  invocation: string;
  /** Repo-relative folder the invocation runs from: the root task file's folder. */
  dir: string;
  /** The task's own name (`talos`, `talos:apply`). */
  name: string;
  /** Its commands and, for just, its dependencies' commands, one per line. */
  body: string;
}

type Read = (path: string) => Promise<string | undefined>;

/** The first of `paths` that is a file of the repo (a runner's search order for an included file). */
async function firstPresent(paths: readonly string[], read: Read): Promise<string | undefined> {
  for (const path of paths) {
    if ((await read(path)) !== undefined) {
      return path;
    }
  }
  return undefined;
}

const dirOf = (path: string) => (path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ".");
const inDir = (dir: string, name: string) => (dir === "." ? name : posix.normalize(`${dir}/${name}`));

export async function readRepoTasks(root: string, files: readonly string[]): Promise<RepoTask[]> {
  const read: Read = async (path) => {
    if (!files.includes(path)) {
      return undefined;
    }
    return readFile(join(root, path), "utf8");
  };
  const tasks: RepoTask[] = [];
  for (const file of ["justfile", "Justfile", ".justfile"].filter((path) => files.includes(path))) {
    tasks.push(...(await justTasks(file, read)));
  }
  for (const file of ["Taskfile.yml", "taskfile.yml", "Taskfile.yaml", "taskfile.yaml"].filter((path) =>
    files.includes(path),
  )) {
    tasks.push(...(await taskfileTasks(file, read)));
  }
  for (const file of ["mise.toml", ".mise.toml", ".mise/config.toml", ".config/mise.toml"].filter((path) =>
    files.includes(path),
  )) {
    tasks.push(...miseTasks(file, (await read(file)) ?? ""));
  }
  return tasks;
}

interface JustRecipe {
  name: string;
  deps: string[];
  lines: string[];
  private: boolean;
}

/**
 * just: a recipe is `name params: deps` at column 0 followed by indented lines; `[private]` and
 * a leading `_` hide it; `mod name` / `mod? name 'path'` load a module from name.just,
 * name/mod.just or name/justfile (or the path), whose recipes run as `just name recipe`
 * (just.systems/man/en/modules.html; github.com/casey/just README "Recipes", "Private Recipes").
 */
async function justTasks(
  file: string,
  read: Read,
  prefix: string[] = [],
  rootDir = dirOf(file),
): Promise<RepoTask[]> {
  const text = await read(file);
  if (text === undefined || prefix.length > 3) {
    return [];
  }
  const recipes = parseJustfile(text);
  const byName = new Map(recipes.map((recipe) => [recipe.name, recipe]));
  const bodyOf = (recipe: JustRecipe, seen = new Set<string>()): string[] => {
    seen.add(recipe.name);
    const deps = recipe.deps.flatMap((dep) => {
      const found = byName.get(dep);
      return found && !seen.has(dep) ? bodyOf(found, seen) : [];
    });
    return [...deps, ...recipe.lines];
  };
  const tasks: RepoTask[] = recipes
    .filter((recipe) => !recipe.private)
    .map((recipe) => ({
      runner: "just" as const,
      file,
      invocation: ["just", ...prefix, recipe.name].join(" "),
      dir: rootDir,
      name: [...prefix, recipe.name].join(" "),
      body: bodyOf(recipe).join("\n"),
    }));
  for (const match of text.matchAll(/^mod\??[ \t]+([A-Za-z_][\w-]*)(?:[ \t]+(['"])([^'"]+)\2)?/gm)) {
    const name = match[1] as string;
    const base = dirOf(file);
    const path = match[3];
    const candidates = path
      ? [inDir(base, path), inDir(base, `${path}/mod.just`), inDir(base, `${path}/justfile`)]
      : [inDir(base, `${name}.just`), inDir(base, `${name}/mod.just`), inDir(base, `${name}/justfile`)];
    const module = await firstPresent(candidates, read);
    if (module !== undefined) {
      tasks.push(...(await justTasks(module, read, [...prefix, name], rootDir)));
    }
  }
  return tasks;
}

function parseJustfile(text: string): JustRecipe[] {
  const recipes: JustRecipe[] = [];
  let attributes: string[] = [];
  let current: JustRecipe | undefined;
  for (const line of text.split("\n")) {
    if (current && /^[ \t]+\S/.test(line)) {
      const command = line.trim().replace(/^[@-]+/, "");
      if (!command.startsWith("#") || command.startsWith("#!")) {
        current.lines.push(command);
      }
      continue;
    }
    if (line.trim() === "" || line.startsWith("#")) {
      continue;
    }
    current = undefined;
    if (line.startsWith("[")) {
      attributes.push(line);
      continue;
    }
    const header = /^@?([A-Za-z_][\w-]*)([^:=]*):(?!=)(.*)$/.exec(line);
    const name = header?.[1];
    if (header && name && !["set", "mod", "import", "alias", "export"].includes(name)) {
      current = {
        name,
        deps: [...(header[3] ?? "").replace(/&&/g, " ").matchAll(/[A-Za-z_][\w-]*/g)].map((dep) => dep[0]),
        lines: [],
        private: name.startsWith("_") || attributes.some((attribute) => /\bprivate\b/.test(attribute)),
      };
      recipes.push(current);
    }
    attributes = [];
  }
  return recipes;
}

/**
 * go-task: `tasks:` maps a name to `cmds` (strings, `{cmd: …}` or `{task: …}`), a bare command
 * string or a list; `includes:` maps a namespace to a Taskfile or a folder holding one, whose
 * tasks are called `namespace:task` (taskfile.dev/docs/reference/schema: Taskfile, Task, Include;
 * taskfile.dev/docs/guide/running-tasks: tasks run from the Taskfile's folder).
 */
async function taskfileTasks(
  file: string,
  read: Read,
  prefix: string[] = [],
  rootDir = dirOf(file),
): Promise<RepoTask[]> {
  const text = await read(file);
  let doc: { tasks?: unknown; includes?: unknown } | null;
  try {
    doc = text === undefined ? null : (parseYaml(text) as typeof doc);
  } catch {
    return [];
  }
  if (!doc || typeof doc !== "object" || prefix.length > 3) {
    return [];
  }
  const tasks = (doc.tasks && typeof doc.tasks === "object" ? doc.tasks : {}) as Record<string, unknown>;
  const commandsOf = (task: unknown, seen: Set<string>): string[] => {
    const cmds = typeof task === "string" || Array.isArray(task) ? task : (task as { cmds?: unknown })?.cmds;
    const list = Array.isArray(cmds) ? cmds : cmds === undefined ? [] : [cmds];
    return list.flatMap((cmd: unknown) => {
      if (typeof cmd === "string") {
        return [cmd];
      }
      const object = (cmd ?? {}) as { cmd?: unknown; task?: unknown };
      if (typeof object.cmd === "string") {
        return [object.cmd];
      }
      if (typeof object.task === "string" && !seen.has(object.task)) {
        seen.add(object.task);
        return commandsOf(tasks[object.task], seen);
      }
      return [];
    });
  };
  const found: RepoTask[] = Object.entries(tasks)
    .filter(
      ([, task]) => !(task && typeof task === "object" && (task as { internal?: unknown }).internal === true),
    )
    .map(([name, task]) => {
      const full = [...prefix, name].join(":");
      return {
        runner: "task" as const,
        file,
        invocation: `task ${full}`,
        dir: rootDir,
        name: full,
        body: commandsOf(task, new Set([name])).join("\n"),
      };
    });
  const includes = (doc.includes && typeof doc.includes === "object" ? doc.includes : {}) as Record<
    string,
    unknown
  >;
  for (const [namespace, include] of Object.entries(includes)) {
    const target = typeof include === "string" ? include : (include as { taskfile?: unknown })?.taskfile;
    if (typeof target !== "string") {
      continue;
    }
    const base = inDir(dirOf(file), target.replace(/^\.\//, ""));
    const candidates = /\.ya?ml$/.test(base)
      ? [base]
      : ["Taskfile.yml", "taskfile.yml", "Taskfile.yaml", "taskfile.yaml"].map((name) => inDir(base, name));
    const included = await firstPresent(candidates, read);
    if (included !== undefined) {
      found.push(...(await taskfileTasks(included, read, [...prefix, namespace], rootDir)));
    }
  }
  return found;
}

/**
 * mise: `[tasks.name]` tables with `run` (a string or an array of strings) and the `[tasks]`
 * shorthand `name = "command"`; tasks run from the config's folder unless `dir` says otherwise
 * (mise.jdx.dev/tasks/toml-tasks.html, mise.jdx.dev/tasks/task-configuration.html `run`, `dir`).
 * Read line by line: quoted keys, basic and literal strings, multi-line arrays and `'''` scripts.
 */
export function miseTasks(file: string, text: string): RepoTask[] {
  const tasks = new Map<string, string[]>();
  let table: string | undefined;
  const lines = text.split("\n");
  for (let index = 0; index < lines.length; index += 1) {
    const line = (lines[index] as string).trim();
    const header = /^\[\s*([^\]]+?)\s*\]$/.exec(line);
    if (header) {
      table = (header[1] as string).replace(/"([^"]*)"|'([^']*)'/g, "$1$2");
      continue;
    }
    const pair = /^("[^"]*"|'[^']*'|[\w:.-]+)\s*=\s*(.*)$/.exec(line);
    if (!pair || table === undefined) {
      continue;
    }
    const key = (pair[1] as string).replace(/^["']|["']$/g, "");
    let value = pair[2] as string;
    // A multi-line array or script: gather lines until it closes.
    const opener = value.startsWith("[")
      ? "]"
      : value.startsWith("'''")
        ? "'''"
        : value.startsWith('"""')
          ? '"""'
          : "";
    if (opener !== "") {
      while (!closes(value, opener) && index + 1 < lines.length) {
        index += 1;
        value += `\n${lines[index]}`;
      }
    }
    const strings = tomlStrings(value);
    if (table === "tasks") {
      tasks.set(key, strings);
    } else if (table.startsWith("tasks.") && key === "run") {
      tasks.set(table.slice("tasks.".length), strings);
    }
  }
  return [...tasks].map(([name, run]) => ({
    runner: "mise" as const,
    file,
    invocation: `mise run ${name}`,
    dir: dirOf(file) === ".mise" || dirOf(file) === ".config" ? "." : dirOf(file),
    name,
    body: run.join("\n"),
  }));
}

function closes(value: string, opener: string): boolean {
  return opener === "]" ? /\]\s*(#.*)?$/.test(value) : value.length > 3 && value.slice(3).includes(opener);
}

/** The string literals in a TOML value: '''…''', """…""", '…' and "…" (with JSON escapes). */
function tomlStrings(value: string): string[] {
  const found: string[] = [];
  for (const match of value.matchAll(
    /'''([\s\S]*?)'''|"""([\s\S]*?)"""|'([^'\n]*)'|"((?:[^"\\\n]|\\.)*)"/g,
  )) {
    if (match[1] !== undefined || match[2] !== undefined || match[3] !== undefined) {
      found.push((match[1] ?? match[2] ?? match[3]) as string);
    } else {
      try {
        found.push(JSON.parse(`"${match[4]}"`) as string);
      } catch {
        found.push(match[4] as string);
      }
    }
  }
  return found;
}
