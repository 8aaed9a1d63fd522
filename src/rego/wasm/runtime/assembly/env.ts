// Imports from the host: exactly what @open-policy-agent/opa-wasm provides under `env`.

// @ts-ignore: decorator
@external("env", "opa_abort")
export declare function opa_abort(addr: usize): void;
