/** Where in the settings a problem is: keys and list indexes, from the top (`feeds`, 0, `notify`, `emailTo`). */
export type PathSegment = string | number;

/** One invalid setting: where, what is wrong, and a valid value for a place nearby. */
export interface ConfigProblem {
  path: PathSegment[];
  message: string;
  example: { path: PathSegment[]; value: unknown };
}
