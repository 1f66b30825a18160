//! Keeps each string in a data segment of its own when linking the WASM, so
//! cargo-leptos's `--split` can move a page's strings into that page's chunk.
//! With merged segments (what wasm-ld does in optimised builds) every string
//! stays in the main module, which every page downloads
//! (leptos-rs/cargo-leptos#679).

fn main() {
    let target_is_wasm = std::env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|arch| arch.starts_with("wasm"));
    if target_is_wasm {
        println!("cargo:rustc-link-arg-cdylib=--no-merge-data-segments");
    }
}
