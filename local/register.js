// Loads TypeScript sources directly (no build step) for the local runner, scripts and tests.
// aws-local-stepfunctions 3 relies on Promise.withResolvers, which Node 22 has and Node 20 lacks.
if (typeof Promise.withResolvers !== "function") {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new this((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
require("ts-node").register({ transpileOnly: true, files: true });
