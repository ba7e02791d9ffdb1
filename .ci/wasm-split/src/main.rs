//! `switchboard-wasm-split <input.wasm> <out_dir> <out_name>`: splits the wasm that cargo
//! built (linked with `--emit-relocs`) at its `#[lazy]` split points. Writes the main module
//! (`<out_dir>/<out_name>_split.wasm`, for wasm-bindgen), one wasm per chunk with its JS
//! loader, and the manifest Leptos' `HydrationScripts` reads to preload a page's chunks.
//! The file names are the ones Leptos looks for when the site is not hashed.
use std::path::Path;
use std::process::ExitCode;

const LOADER: &str = "./__wasm_split.______________________.js";
const MANIFEST: &str = "__wasm_split_manifest.json";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, out_dir, out_name] = args.as_slice() else {
        eprintln!("usage: switchboard-wasm-split <input.wasm> <out_dir> <out_name>");
        return ExitCode::from(2);
    };
    match split(Path::new(input), Path::new(out_dir), out_name) {
        Ok(chunks) => {
            println!("[wasm-split] {chunks} chunks");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("[wasm-split] {error:?}");
            ExitCode::FAILURE
        }
    }
}

fn split(input: &Path, out_dir: &Path, out_name: &str) -> Result<usize, Box<dyn std::error::Error>> {
    let wasm = std::fs::read(input)?;
    std::fs::create_dir_all(out_dir)?;
    let main_out = out_dir.join(format!("{out_name}_split.wasm"));
    // The chunks import the wasm-bindgen glue, which sits beside them.
    let main_module = format!("./{out_name}.js");
    let mut options = wasm_split_cli_support::Options::new(&wasm);
    options.output_dir = out_dir;
    options.main_out_path = &main_out;
    options.main_module = &main_module;
    options.link_name = LOADER;
    let split = wasm_split_cli_support::transform(options).map_err(|e| format!("{e:?}"))?;
    std::fs::write(out_dir.join(MANIFEST), serde_json::to_string_pretty(&split.prefetch_map)?)?;
    Ok(split.split_modules.len())
}
