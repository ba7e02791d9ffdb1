//! The browser entry point: hydrates the server-rendered page. Bot pages are lazy routes
//! (separate wasm chunks), so hydration first loads the chunks of the page in view.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // What `hydrate_lazy` does, plus the marker once hydration has finished.
    let _ = any_spawner::Executor::init_wasm_bindgen();
    leptos::task::spawn_local(async {
        let body = leptos::prelude::document().body().expect("the page has a body");
        app::ui::load_chunks_in_view().await;
        leptos::mount::hydrate_from_async(body.clone(), app::App).await.forget();
        // A marker that the page is interactive (the browser tests wait for it).
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
