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
// Local runs may use Node 20 (Lambda runs nodejs22.x); the SDK's notice about its future Node floor is noise here.
if (process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED === undefined) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
}
require("ts-node").register({ transpileOnly: true, files: true });
