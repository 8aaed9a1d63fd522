/**
 * Guest intrinsics captured before any workflow code runs.
 *
 * Runs inside the isolate. Workflow code may patch `JSON`, `Promise.prototype.then`, `String` and friends;
 * the runtime only ever calls the copies taken here, so a patched global can break nothing but the
 * workflow's own run.
 */

export const jsonStringify = JSON.stringify;
export const jsonParse = JSON.parse;
export const reflectApply = Reflect.apply;
export const reflectConstruct = Reflect.construct;
export const promiseThen = Promise.prototype.then;
export const promiseResolve = Promise.resolve.bind(Promise);
export const PromiseCtor = Promise;
export const ErrorCtor = Error;
export const TypeErrorCtor = TypeError;
export const RangeErrorCtor = RangeError;
export const StringCtor = String;
export const objectFreeze = Object.freeze;
export const objectAssign = Object.assign;
export const MapCtor = Map;
export const mapGet = Map.prototype.get;
export const mapSet = Map.prototype.set;
export const mapDelete = Map.prototype.delete;
export const stringSplit = String.prototype.split;
export const stringIncludes = String.prototype.includes;
export const stringSlice = String.prototype.slice;
export const arrayJoin = Array.prototype.join;
export const arrayPush = Array.prototype.push;
export const isArray = Array.isArray;
