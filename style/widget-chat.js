// Switchboard customer chat (the page at /chat/{widget}). Small on purpose: customers are on
// phones. Everything shown is inserted with textContent, never as HTML.
(function () {
  'use strict';
  var main = document.querySelector('main.chat');
  if (!main) return;
  var widget = main.getAttribute('data-widget');
  var base = '/widget/' + encodeURIComponent(widget);
  var storeKey = 'switchboard-chat-' + widget;
  var log = main.querySelector('.chat-log');
  var statusLine = main.querySelector('.chat-status');
  var typingLine = main.querySelector('.chat-typing');
  var intro = main.querySelector('.chat-intro');
  var compose = main.querySelector('.chat-compose');
  var text = main.querySelector('#chat-text');
  var handover = main.querySelector('.chat-handover');
  var token = null;
  try { token = localStorage.getItem(storeKey); } catch (e) { /* storage blocked: session only */ }
  var seen = {};
  var conversation = null;
  var seq = 0;
  var source = null;
  var typingTimer = null;
  var lastTypingSent = 0;

  function save(t) { token = t; try { localStorage.setItem(storeKey, t); } catch (e) {} }
  function forget() { token = null; try { localStorage.removeItem(storeKey); } catch (e) {} }

  function post(path, body) {
    return fetch(base + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      credentials: 'omit'
    }).then(function (r) {
      return r.text().then(function (t) {
        var data = null;
        try { data = t ? JSON.parse(t) : null; } catch (e) {}
        if (!r.ok) { var err = new Error(problem(data)); err.status = r.status; throw err; }
        return data;
      });
    });
  }

  function problem(data) {
    return (data && data.error) || 'Something went wrong. Please try again.';
  }

  function key() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var a = new Uint8Array(16); crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  }

  function show(m) {
    if (seen[m.id]) return;
    seen[m.id] = true;
    var li = document.createElement('li');
    li.className = 'msg from-' + m.from;
    if (m.from === 'agent' && m.author_name) {
      var who = document.createElement('span');
      who.className = 'who';
      who.textContent = m.author_name;
      li.appendChild(who);
    }
    if (m.body) {
      var body = document.createElement('p');
      body.textContent = m.body;
      li.appendChild(body);
    }
    if (m.attachment) li.appendChild(attachment(m.attachment));
    log.appendChild(li);
    li.scrollIntoView({ block: 'end' });
  }

  // A file in the chat: a preview for images, a download link otherwise (links are signed for
  // this visitor by the server).
  function attachment(a) {
    var link = document.createElement('a');
    link.href = a.url;
    link.target = '_blank';
    link.rel = 'noopener';
    if (a.thumb_url) {
      link.className = 'attachment image';
      var img = document.createElement('img');
      img.src = a.thumb_url;
      img.alt = a.file_name;
      link.appendChild(img);
    } else {
      link.className = 'attachment file';
      link.textContent = '\u{1F4CE} ' + a.file_name;
    }
    return link;
  }

  function sendFile(file) {
    statusLine.textContent = 'Sending ' + file.name + '…';
    ensureSession().then(function () {
      var q = '?token=' + encodeURIComponent(token) + '&name=' + encodeURIComponent(file.name) +
        '&client_id=' + encodeURIComponent(key());
      return fetch(base + '/upload' + q, { method: 'POST', body: file, credentials: 'omit' }).then(function (r) {
        return r.json().catch(function () { return null; }).then(function (data) {
          if (!r.ok) throw new Error(problem(data));
          return data;
        });
      });
    }).then(function (sent) {
      statusLine.textContent = '';
      show(sent.message);
      if (sent.conversation_id !== conversation) { conversation = sent.conversation_id; listen(); }
    }).catch(function (err) {
      statusLine.textContent = err.message || 'Could not send the file. Check your connection.';
    });
  }

  var queueTimer = null;

  function status(state) {
    if (state.asked_for_agent) handover.hidden = true;
    clearTimeout(queueTimer);
    if (state.queue) {
      // Waiting for a person: the place in the queue (and an estimate), refreshed while waiting.
      var q = state.queue;
      var text = q.position === 1 ? 'You are next in the queue' : 'You are number ' + q.position + ' in the queue';
      if (q.estimated_minutes) text += ' · about ' + q.estimated_minutes + ' min';
      statusLine.textContent = text + '.';
      statusLine.setAttribute('data-queue-position', String(q.position));
      queueTimer = setTimeout(refresh, 15000);
    } else {
      statusLine.removeAttribute('data-queue-position');
      if (!state.agents_online) statusLine.textContent = "We'll reply here as soon as we can.";
      else if (state.asked_for_agent) statusLine.textContent = 'A person will answer here.';
      else statusLine.textContent = '';
    }
  }

  function apply(state) {
    state.messages.forEach(show);
    seq = Math.max(seq, state.as_of_seq);
    status(state);
    if (state.conversation_id !== conversation) { conversation = state.conversation_id; listen(); }
  }

  function listen() {
    if (source) source.close();
    if (!token || conversation === null) return;
    source = new EventSource(base + '/live?token=' + encodeURIComponent(token) + '&after=' + seq);
    source.addEventListener('message_added', function (e) {
      seq = Math.max(seq, Number(e.lastEventId) || seq);
      var m = JSON.parse(e.data);
      show(m);
      typingLine.textContent = '';
      // A person answered: the queue line goes.
      if (m && m.from === 'agent' && statusLine.hasAttribute('data-queue-position')) refresh();
    });
    source.addEventListener('typing', function (e) {
      var t = JSON.parse(e.data);
      typingLine.textContent = (t.name || 'Someone') + ' is typing…';
      clearTimeout(typingTimer);
      typingTimer = setTimeout(function () { typingLine.textContent = ''; }, 5000);
    });
  }

  function refresh() {
    if (!token) { intro.hidden = false; statusLine.textContent = ''; return Promise.resolve(); }
    return post('/state', { token: token }).then(apply, function (err) {
      if (err.status === 403 || err.status === 404) { forget(); intro.hidden = false; }
    });
  }

  // One start at a time: a message and "Talk to a person" sent at once share one visitor.
  var starting = null;
  function ensureSession() {
    if (token) return Promise.resolve();
    if (!starting) {
      var body = { name: intro.elements.name.value || null, email: intro.elements.email.value || null };
      starting = post('/start', body).then(function (s) {
        starting = null; save(s.token); intro.hidden = true;
      }, function (err) { starting = null; throw err; });
    }
    return starting;
  }

  // Resends after a dropped connection reuse the same client id: the server stores one.
  function sendWithRetry(body, attempt) {
    return post('/send', body).catch(function (err) {
      if (!err.status && attempt < 3) {
        return new Promise(function (r) { setTimeout(r, 1000 * (attempt + 1)); }).then(function () {
          return sendWithRetry(body, attempt + 1);
        });
      }
      throw err;
    });
  }

  function send(asHandover) {
    var value = text.value.trim();
    if (!value) return;
    var body = { text: value, client_id: key(), handover: !!asHandover };
    text.value = '';
    ensureSession().then(function () {
      body.token = token;
      return sendWithRetry(body, 0);
    }).then(function (sent) {
      show(sent.message);
      if (sent.conversation_id !== conversation) { conversation = sent.conversation_id; listen(); }
    }).catch(function (err) {
      text.value = value;
      statusLine.textContent = err.message || 'Could not send. Check your connection.';
    });
  }

  compose.addEventListener('submit', function (e) { e.preventDefault(); send(false); });
  var fileInput = main.querySelector('.chat-file');
  fileInput.addEventListener('change', function () {
    Array.prototype.forEach.call(fileInput.files, sendFile);
    fileInput.value = '';
  });
  text.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); send(false); }
  });
  text.addEventListener('input', function () {
    var now = Date.now();
    if (!token || conversation === null || now - lastTypingSent < 3000) return;
    lastTypingSent = now;
    post('/typing', { token: token }).catch(function () {});
  });
  handover.addEventListener('click', function () {
    ensureSession().then(function () { return post('/handover', { token: token }); }).then(apply).catch(function (err) {
      statusLine.textContent = err.message;
    });
  });

  refresh();
})();
