// Rapport dashboard: small vanilla script, no build step. Text from the
// server is only ever set with textContent, never parsed as HTML.
'use strict';
(function () {
  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.content : '';
  }

  async function api(method, url, body) {
    var opts = { method: method, credentials: 'same-origin', headers: { 'X-CSRF-Token': csrf() } };
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    var res = await fetch(url, opts);
    var data = null;
    try { data = await res.json(); } catch (e) { data = null; }
    return { status: res.status, ok: res.ok, data: data };
  }

  function el(tag, attrs, children) {
    var n = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'class') n.className = attrs[k]; else n.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) {
      n.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return n;
  }

  function errorText(r) {
    return (r.data && r.data.error && r.data.error.message) || ('request failed (' + r.status + ')');
  }

  function setupLogout() {
    var b = document.getElementById('logout');
    if (!b) return;
    b.addEventListener('click', async function () {
      await api('POST', '/api/v1/logout');
      location.assign('/login');
    });
  }

  function login() {
    var form = document.getElementById('login-form');
    var err = document.getElementById('login-error');
    form.addEventListener('submit', async function (ev) {
      ev.preventDefault();
      err.hidden = true;
      var r = await api('POST', '/api/v1/login', {
        org: form.org.value, email: form.email.value, password: form.password.value
      });
      if (r.ok) {
        location.assign(form.dataset.next || '/app/inbox');
        return;
      }
      err.textContent = errorText(r);
      err.hidden = false;
    });
  }

  function when(s) {
    if (!s) return '—';
    var d = new Date(s);
    return d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  }

  function inbox() {
    var rows = document.getElementById('inbox-rows');
    var status = document.getElementById('live-status');
    var es = new EventSource('/api/v1/inbox/events');
    es.onopen = function () { status.textContent = 'Live: new items appear here as they arrive.'; status.dataset.state = 'live'; };
    es.onerror = function () { status.textContent = 'Reconnecting…'; status.dataset.state = 'reconnecting'; };
    function upsert(e) {
      var ev = JSON.parse(e.data);
      if (!ev.conversation_id) return;
      var empty = rows.querySelector('tr.empty');
      if (empty) empty.remove();
      var tr = rows.querySelector('tr[data-conversation-id="' + CSS.escape(ev.conversation_id) + '"]');
      var fresh = !tr;
      if (fresh) {
        tr = el('tr', { 'data-conversation-id': ev.conversation_id }, []);
        for (var i = 0; i < 6; i++) tr.appendChild(el('td'));
        tr.cells[5].appendChild(el('a', { href: '/app/inbox/' + encodeURIComponent(ev.conversation_id) }, ['Open']));
      }
      if (ev.network) tr.cells[0].textContent = ev.network + (ev.kind ? ' · ' + ev.kind : '');
      if (ev.queue) tr.cells[1].textContent = ev.queue;
      tr.cells[2].textContent = ev.status || (fresh ? 'new' : tr.cells[2].textContent);
      if (ev.urgency) tr.cells[3].textContent = ev.urgency + (ev.crisis ? ' · crisis' : '') + (ev.intent ? ' · ' + ev.intent : '');
      if (ev.received_at || ev.at) tr.cells[4].textContent = when(ev.received_at || ev.at);
      if (ev.crisis) tr.classList.add('crisis');
      tr.classList.add('fresh');
      rows.insertBefore(tr, rows.firstChild);
    }
    ['item.new', 'conversation.updated', 'crisis', 'sla.breach'].forEach(function (t) { es.addEventListener(t, upsert); });
  }

  function conversation() {
    var form = document.getElementById('composer');
    var text = document.getElementById('reply-text');
    var guard = document.getElementById('guard');
    var status = document.getElementById('reply-status');
    var suggestion = '';
    document.getElementById('use-suggestion').addEventListener('click', function () {
      text.value = suggestion;
      text.focus();
    });
    form.addEventListener('submit', async function (ev) {
      ev.preventDefault();
      status.textContent = 'Checking…';
      var r = await api('POST', '/api/v1/inbox/conversations/' + encodeURIComponent(form.dataset.conversationId) + '/replies', { text: text.value });
      if (r.ok) {
        guard.hidden = true;
        var reply = r.data.reply || {};
        document.getElementById('thread').appendChild(el('li', { class: 'reply reply-' + (reply.state || 'sent') }, [
          el('div', { class: 'meta' }, ['reply · ' + (reply.state || 'sent') + ' · ' + when(reply.created_at)]),
          el('p', { class: 'text' }, [reply.text || text.value])]));
        text.value = '';
        status.textContent = 'Sent.';
        status.dataset.state = 'sent';
        return;
      }
      var g = r.data && r.data.guard;
      if (g) {
        document.getElementById('guard-message').textContent = errorText(r);
        var list = document.getElementById('guard-reasons');
        list.replaceChildren();
        (g.reasons || []).forEach(function (x) {
          list.appendChild(el('li', { 'data-code': x.code }, [x.code + ': ' + x.message]));
        });
        suggestion = g.suggestion || '';
        document.getElementById('guard-suggestion').textContent = suggestion;
        guard.hidden = false;
        status.textContent = 'Blocked: not sent. Fix the reply and send again.';
        status.dataset.state = 'blocked';
        return;
      }
      status.textContent = errorText(r);
      status.dataset.state = 'error';
    });
  }

  function showPublishError(r) {
    var err = document.getElementById('publish-error');
    var list = document.getElementById('publish-reasons');
    err.textContent = errorText(r);
    err.hidden = false;
    list.replaceChildren();
    var c = r.data && r.data.check;
    if (c) {
      (c.reasons || []).forEach(function (x) { list.appendChild(el('li', { 'data-code': x.code }, [x.code + ': ' + x.message])); });
      if (c.suggestion) list.appendChild(el('li', {}, ['Suggested rewrite: ' + c.suggestion]));
    }
  }

  function publish() {
    var form = document.getElementById('new-post');
    var editing = null; // the row being edited, or null for a new draft
    if (form) {
      form.addEventListener('submit', async function (ev) {
        ev.preventDefault();
        var at = document.getElementById('post-at').value;
        var body = {
          text: document.getElementById('post-text').value,
          account_ids: document.getElementById('post-accounts').value.split(',').map(function (s) { return s.trim(); }).filter(Boolean)
        };
        if (at) body.scheduled_at = new Date(at + ':00Z').toISOString();
        var r;
        if (editing) {
          body.version = Number(editing.dataset.version);
          r = await api('PUT', '/api/v1/posts/' + encodeURIComponent(editing.dataset.postId), body);
        } else {
          r = await api('POST', '/api/v1/posts', body);
        }
        if (r.ok) { location.reload(); return; }
        showPublishError(r);
      });
    }
    function edit(tr) {
      editing = tr;
      document.getElementById('post-form-title').textContent = 'Edit post';
      document.getElementById('save-post').textContent = 'Save changes';
      document.getElementById('post-text').value = tr.querySelector('td.text').textContent;
      document.getElementById('post-accounts').value = tr.querySelector('td.accounts').textContent;
      var at = tr.dataset.scheduled;
      document.getElementById('post-at').value = at ? at.slice(0, 16) : '';
      document.getElementById('post-text').focus();
    }
    document.querySelectorAll('#post-list button[data-action]').forEach(function (b) {
      b.addEventListener('click', async function () {
        var tr = b.closest('tr');
        var action = b.dataset.action;
        if (action === 'edit') { edit(tr); return; }
        var note = '';
        if (action === 'reject') {
          note = window.prompt('Why is it rejected? (the author sees this note)') || '';
        }
        var r = await api('POST', '/api/v1/posts/' + encodeURIComponent(tr.dataset.postId) + '/' + action,
          { version: Number(tr.dataset.version), note: note });
        if (r.ok) { location.reload(); return; }
        showPublishError(r);
      });
    });
  }

  var pages = { login: login, inbox: inbox, conversation: conversation, publish: publish };
  document.addEventListener('DOMContentLoaded', function () {
    setupLogout();
    var f = pages[document.body.dataset.page];
    if (f) f();
  });
})();
