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


  function campaign() {
    var form = document.getElementById('campaign-form');
    if (!form) return;
    var $ = function (id) { return document.getElementById(id); };
    var segBox = $('c-segments');
    var variantsBox = $('variants');
    var countEl = $('audience-count');
    var bySeg = $('audience-by-segment');
    var status = $('campaign-status');
    var model = null; // GET /api/v1/segments
    var campaignId = '';
    var dirty = true;
    var seq = 0;
    var timer = null;

    function list(id) {
      return $(id).value.split(',').map(function (s) { return s.trim(); }).filter(Boolean);
    }
    function num(id) {
      var v = $(id).value;
      return v === '' ? undefined : Number(v);
    }
    function ticked() {
      return Array.prototype.map.call(segBox.querySelectorAll('input:checked'), function (c) { return c.value; });
    }
    function audience() {
      var a = { channel: $('c-channel').value, purpose: $('c-purpose').value };
      if (model) a.model_id = model.model_id;
      var segs = ticked();
      if (segs.length) a.segments = segs;
      var extra = { min_probability: num('c-minprob'), min_age: num('c-minage'), max_age: num('c-maxage'),
        not_contacted_days: num('c-quiet') };
      Object.keys(extra).forEach(function (k) { if (extra[k] !== undefined) a[k] = extra[k]; });
      [['languages', 'c-langs'], ['zip_prefixes', 'c-zips'], ['tags', 'c-tags']].forEach(function (p) {
        var v = list(p[1]);
        if (v.length) a[p[0]] = v;
      });
      return a;
    }
    function segName(id) {
      var s = model && model.segments.find(function (x) { return x.id === id; });
      return s ? s.name : id;
    }

    async function count() {
      var mine = ++seq;
      countEl.dataset.state = 'counting';
      countEl.textContent = 'Audience: counting…';
      var r = await api('POST', '/api/v1/audiences/count', audience());
      if (mine !== seq) return; // a newer edit is being counted
      bySeg.replaceChildren();
      if (!r.ok) {
        countEl.dataset.state = 'error';
        countEl.textContent = 'Audience: ' + errorText(r);
        return;
      }
      countEl.dataset.state = 'done';
      countEl.dataset.total = String(r.data.total);
      countEl.textContent = 'Audience: ' + r.data.total.toLocaleString('en-US') + ' patients';
      Object.keys(r.data.by_segment || {}).sort().forEach(function (k) {
        bySeg.appendChild(el('li', { 'data-segment': k }, [segName(k) + ': ' + r.data.by_segment[k].toLocaleString('en-US')]));
      });
    }
    function edited() {
      dirty = true;
      $('launch-campaign').disabled = true;
      clearTimeout(timer);
      timer = setTimeout(count, 250);
    }

    function playbook(sg) {
      var box = el('aside', { class: 'playbook', 'aria-label': 'Playbook: ' + sg.name }, [el('h4', {}, ['Playbook: ' + sg.name])]);
      if (sg.description) box.appendChild(el('p', {}, [sg.description]));
      [['Moves them', sg.motivations], ['Say', sg.say], ['Avoid', sg.avoid]].forEach(function (p) {
        if (p[1] && p[1].length) box.appendChild(el('p', {}, [p[0] + ': ' + p[1].join('; ')]));
      });
      if (sg.tone) box.appendChild(el('p', {}, ['Tone: ' + sg.tone]));
      return box;
    }
    function renderVariants() {
      var keep = {};
      variantsBox.querySelectorAll('.variant').forEach(function (v) { keep[v.dataset.segment] = v; });
      variantsBox.replaceChildren();
      var segs = ticked();
      var channel = $('c-channel').value;
      model.segments.forEach(function (sg) {
        if (segs.length && segs.indexOf(sg.id) < 0) return;
        var v = keep[sg.id];
        if (!v) {
          var arms = el('div', { class: 'arms' }, [armFields('A')]);
          var add = el('button', { type: 'button', class: 'add-arm' }, ['Add an arm (A/B test)']);
          add.addEventListener('click', function () {
            var n = arms.querySelectorAll('.arm').length;
            if (n >= 4) return;
            arms.appendChild(armFields('ABCD'[n]));
            showFields(arms);
            if (n + 1 >= 4) add.disabled = true;
            dirty = true;
            $('launch-campaign').disabled = true;
          });
          v = el('div', { class: 'variant', 'data-segment': sg.id }, [
            el('div', {}, [el('h3', {}, [sg.name]), arms, add]), playbook(sg)]);
          v.addEventListener('input', function () { dirty = true; $('launch-campaign').disabled = true; });
        }
        showFields(v);
        variantsBox.appendChild(v);
      });
    }
    // armFields is one arm of a segment's variant: its texts and its share
    // of the segment (arms split it by weight; the assignment is fixed at
    // launch).
    function armFields(name) {
      return el('fieldset', { class: 'arm', 'data-arm': name }, [el('legend', {}, ['Arm ' + name]),
        el('label', { class: 'f-subject' }, ['Subject', el('input', { name: 'subject' })]),
        el('label', { class: 'f-text' }, ['Text', el('textarea', { name: 'text', rows: '5' })]),
        el('label', { class: 'f-sms' }, ['SMS text', el('textarea', { name: 'sms', rows: '3' })]),
        el('label', { class: 'f-weight' }, ['Weight', el('input', { name: 'weight', type: 'number', min: '1', value: '1' })])]);
    }
    function showFields(root) {
      var channel = $('c-channel').value;
      root.querySelectorAll('.f-subject').forEach(function (f) { f.hidden = channel !== 'email'; });
      root.querySelectorAll('.f-text').forEach(function (f) { f.hidden = channel === 'sms'; });
      root.querySelectorAll('.f-sms').forEach(function (f) { f.hidden = channel !== 'sms'; });
      root.querySelectorAll('.f-weight').forEach(function (f) { f.hidden = f.closest('.arms').querySelectorAll('.arm').length < 2; });
    }
    function variants() {
      var channel = $('c-channel').value;
      var out = [];
      variantsBox.querySelectorAll('.variant').forEach(function (v) {
        v.querySelectorAll('.arm').forEach(function (a) {
          var get = function (n) { return a.querySelector('[name="' + n + '"]').value; };
          var x = { segment: v.dataset.segment, arm: a.dataset.arm, weight: Number(get('weight')) || 1 };
          if (channel === 'email') { x.subject = get('subject'); x.text = get('text'); }
          if (channel === 'social_dm') x.text = get('text');
          if (channel === 'sms') x.sms = get('sms');
          out.push(x);
        });
      });
      return out;
    }
    function fail(r) {
      var e = $('campaign-error');
      e.textContent = errorText(r);
      e.hidden = false;
    }

    async function save() {
      $('campaign-error').hidden = true;
      var body = { name: $('c-name').value, channel: $('c-channel').value, purpose: $('c-purpose').value,
        audience: audience(), variants: variants(), holdout_percent: num('c-holdout') || 0 };
      var r = campaignId ? await api('PUT', '/api/v1/campaigns/' + encodeURIComponent(campaignId), body)
        : await api('POST', '/api/v1/campaigns', body);
      if (!r.ok) { fail(r); return false; }
      campaignId = r.data.id || campaignId;
      form.dataset.campaignId = campaignId;
      dirty = false;
      $('preview-campaign').disabled = false;
      status.dataset.state = 'saved';
      status.textContent = 'Draft saved.';
      return true;
    }
    async function preview() {
      if (dirty && !(await save())) return;
      var r = await api('GET', '/api/v1/campaigns/' + encodeURIComponent(campaignId) + '/preview');
      if (!r.ok) { fail(r); return; }
      var box = $('preview-variants');
      box.replaceChildren();
      (r.data.variants || []).forEach(function (v) {
        var findings = el('ul', { class: 'findings' }, []);
        (v.findings || []).forEach(function (f) {
          findings.appendChild(el('li', { class: 'finding-' + f.severity, 'data-code': f.code, 'data-severity': f.severity },
            [f.severity + ' · ' + f.code + ': ' + f.message]));
        });
        var shown = [v.subject ? 'Subject: ' + v.subject + '\n\n' : '', v.text || '', v.sms || ''].join('');
        box.appendChild(el('div', { class: 'card preview-variant', 'data-segment': v.segment, 'data-arm': v.arm }, [
          el('h3', {}, [segName(v.segment) + ' · arm ' + v.arm + ' · segment audience ' + (v.audience || 0).toLocaleString('en-US')]),
          el('div', { class: 'rendered' }, [shown]), findings]));
      });
      $('preview').hidden = false;
      $('launch-campaign').disabled = r.data.blocked;
      status.dataset.state = r.data.blocked ? 'blocked' : 'ready';
      status.textContent = r.data.blocked ? 'Blocked: fix the findings marked blocker, then preview again.' : 'Checks passed: ready to launch.';
    }
    async function launch() {
      if (!window.confirm('Launch this campaign now? Messages go out as the rules allow.')) return;
      var r = await api('POST', '/api/v1/campaigns/' + encodeURIComponent(campaignId) + '/launch');
      if (!r.ok) { fail(r); return; }
      $('launch-campaign').disabled = true;
      $('save-campaign').disabled = true;
      status.dataset.state = 'launched';
      status.textContent = 'Launched: ' + r.data.deliveries + ' deliveries, ' + r.data.holdout + ' held out as the control group.';
    }

    form.addEventListener('submit', function (ev) { ev.preventDefault(); save(); });
    $('preview-campaign').addEventListener('click', preview);
    $('launch-campaign').addEventListener('click', launch);
    form.querySelector('section').addEventListener('input', edited);
    form.querySelector('section').addEventListener('change', function () { renderVariants(); edited(); });

    api('GET', '/api/v1/segments').then(function (r) {
      if (!r.ok) { fail(r); return; }
      model = r.data;
      model.segments.forEach(function (sg) {
        segBox.appendChild(el('label', {}, [el('input', { type: 'checkbox', value: sg.id }),
          sg.name + ' (' + (sg.patients || 0).toLocaleString('en-US') + ')']));
      });
      renderVariants();
      count();
    });
  }

  var pages = { login: login, inbox: inbox, conversation: conversation, publish: publish, campaign: campaign };
  document.addEventListener('DOMContentLoaded', function () {
    setupLogout();
    var f = pages[document.body.dataset.page];
    if (f) f();
  });
})();
