// Switchboard website chat: paste
//   <script src="https://YOUR-SWITCHBOARD/widget.js" data-widget="WIDGET_ID" async></script>
// into your site. It adds a chat button that opens the chat in a frame served by Switchboard.
(function () {
  'use strict';
  var me = document.currentScript;
  if (!me || !me.getAttribute('data-widget')) return;
  var origin = new URL(me.src).origin;
  var src = origin + '/chat/' + encodeURIComponent(me.getAttribute('data-widget'));
  var button = document.createElement('button');
  button.type = 'button';
  button.textContent = 'Chat with us';
  button.setAttribute('aria-expanded', 'false');
  button.style.cssText = 'position:fixed;right:16px;bottom:16px;z-index:2147483646;padding:12px 18px;' +
    'border:0;border-radius:24px;background:#2f5bea;color:#fff;font:600 15px system-ui,sans-serif;cursor:pointer';
  var frame = null;
  button.addEventListener('click', function () {
    if (!frame) {
      frame = document.createElement('iframe');
      frame.src = src;
      frame.title = 'Chat';
      frame.style.cssText = 'position:fixed;right:16px;bottom:72px;z-index:2147483647;border:0;border-radius:12px;' +
        'box-shadow:0 8px 32px rgba(0,0,0,.25);width:min(380px,calc(100vw - 32px));height:min(560px,calc(100vh - 96px));background:#fff';
      document.body.appendChild(frame);
    } else {
      frame.hidden = !frame.hidden;
    }
    button.setAttribute('aria-expanded', String(!frame.hidden));
  });
  document.body.appendChild(button);
})();
