/** The feed list as a whole: 1 to MAX_FEEDS feeds, with distinct names and prefixes that do not nest. */
import { FEED_NAME_PATTERN, MAX_FEEDS } from "../../functions/contract";
import { overlaps, relation, validInputPrefix } from "./prefixes";
import { type ConfigProblem, problemAt } from "./problems";
import { isObject } from "./text-values";

/**
 * Problems of the feed list as a whole: how many feeds, a name used twice, a prefix inside (or around) another. It
 * reads the list as given, so that a bad entry hides none of them.
 */
export function feedListProblems(list: unknown): ConfigProblem[] {
  if (!Array.isArray(list)) return [];
  const problems: ConfigProblem[] = [];
  if (list.length === 0 || list.length > MAX_FEEDS) {
    problems.push(problemAt(["feeds"], `must list from 1 to ${MAX_FEEDS} feeds (got ${list.length})`));
  }
  const names = new Map<string, number>();
  const prefixes: { index: number; prefix: string }[] = [];
  list.forEach((entry: unknown, i) => {
    if (!isObject(entry)) return;
    const { name, prefix } = entry;
    if (typeof name === "string" && FEED_NAME_PATTERN.test(name)) {
      const first = names.get(name);
      if (first === undefined) names.set(name, i);
      else
        problems.push(
          problemAt(
            ["feeds", i, "name"],
            `is the same as feeds[${first}].name; give each feed its own name (got "${name}")`,
          ),
        );
    }
    if (typeof prefix === "string" && validInputPrefix(prefix)) {
      for (const other of prefixes.filter((p) => overlaps(prefix, p.prefix))) {
        problems.push(
          problemAt(
            ["feeds", i, "prefix"],
            `${relation(prefix, other.prefix)} feeds[${other.index}].prefix ("${other.prefix}"): an upload must belong to one feed; give each feed its own folder (got "${prefix}")`,
          ),
        );
      }
      prefixes.push({ index: i, prefix });
    }
  });
  return problems;
}
