// The chat page: plays one persona against the bot through the stand-in's control API.
// Everything the bot wrote is put into the page as text nodes; formatting comes only from
// Telegram entities, so no bot-supplied HTML is ever parsed here.
"use strict";

const view = {
  config: null,
  persona: null,
  revision: 0,
  pollGeneration: 0,
  pollAbort: null, // cancels the open long poll when the persona changes
  bubbles: new Map(), // message_id -> element
  toastsShown: new Set(),
  pendingLocationButton: null, // reply button label waiting for a location choice
};

const $ = (id) => document.getElementById(id);

async function api(path, body, signal) {
  const options = body === undefined
    ? { signal }
    : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const response = await fetch(`/_sandbox/${path}`, options);
  const answer = await response.json();
  if (!answer.ok) throw new Error(answer.error || `HTTP ${response.status}`);
  return answer;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// -- rendering Telegram entities safely ----------------------------------------------------------

const TAG_BY_ENTITY = {
  bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code", pre: "pre",
  blockquote: "blockquote", expandable_blockquote: "blockquote",
};

function elementFor(entity) {
  if (entity.type === "text_link") {
    const link = document.createElement("a");
    if (/^(https?|tg):/i.test(entity.url || "")) link.href = entity.url;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    return link;
  }
  const element = document.createElement(TAG_BY_ENTITY[entity.type] || "span");
  if (entity.type === "spoiler") element.className = "spoiler";
  if (entity.type === "bot_command") element.className = "command";
  return element;
}

// Entity offsets are UTF-16 code units, which is exactly how JavaScript indexes strings.
function appendRich(parent, text, entities, start, end) {
  const inside = entities
    .filter((e) => e.offset >= start && e.offset + e.length <= end)
    .sort((a, b) => a.offset - b.offset || b.length - a.length);
  let position = start;
  while (inside.length) {
    const entity = inside.shift();
    if (entity.offset < position) continue; // nested in one already rendered
    parent.append(document.createTextNode(text.slice(position, entity.offset)));
    const element = elementFor(entity);
    const stop = entity.offset + entity.length;
    const nested = inside.filter((e) => e.offset >= entity.offset && e.offset + e.length <= stop);
    appendRich(element, text, nested, entity.offset, stop);
    parent.append(element);
    position = stop;
  }
  parent.append(document.createTextNode(text.slice(position, end)));
}

function richText(text, entities) {
  const element = document.createElement("div");
  element.className = "text";
  element.dir = "auto"; // Arabic right-to-left, English left-to-right, per message
  appendRich(element, text, entities || [], 0, text.length);
  return element;
}

function timeOf(seconds) {
  return new Date(seconds * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function row(className, ...children) {
  const element = document.createElement("div");
  element.className = className;
  element.append(...children);
  return element;
}

function renderMessage(message) {
  const wrapper = document.createElement("div");
  wrapper.className = `msg ${message.from_bot ? "bot" : "user"}`;
  wrapper.dataset.messageId = message.message_id;
  const bubble = document.createElement("div");
  bubble.className = "bubble";
  if (message.photo) {
    const image = document.createElement("img");
    image.className = "photo";
    image.src = message.photo.url;
    image.alt = message.photo.file_name || "photo";
    bubble.append(image);
  }
  if (message.document) {
    const link = document.createElement("a");
    link.href = message.document.url;
    link.download = message.document.file_name || "document";
    link.textContent = message.document.file_name || "document";
    const size = document.createElement("div");
    size.className = "meta";
    size.textContent = `${Math.max(1, Math.round(message.document.size / 1024))} KB`;
    bubble.append(row("document", row("glyph", "📄"), row("", link, size)));
  }
  if (message.location) {
    const { latitude, longitude } = message.location;
    bubble.append(row("location", row("glyph", "📍"), `${latitude.toFixed(4)}, ${longitude.toFixed(4)}`));
  }
  if (message.contact) {
    bubble.append(row("contact", row("glyph", "👤"), `${message.contact.first_name} ${message.contact.phone_number}`));
  }
  const text = message.text ?? message.caption;
  if (text) bubble.append(richText(text, message.entities));
  const meta = row("meta", `${message.edit_date ? "edited " : ""}${timeOf(message.date)}`);
  bubble.append(meta);
  wrapper.append(bubble);
  if (message.buttons && message.buttons.length) wrapper.append(renderInlineKeyboard(message));
  return wrapper;
}

function renderInlineKeyboard(message) {
  const keyboard = row("inline-keyboard");
  for (const buttons of message.buttons) {
    const line = row("kb-row");
    for (const button of buttons) {
      const element = document.createElement("button");
      element.type = "button";
      element.className = "inline-button";
      element.dir = "auto";
      element.textContent = button.url ? `${button.text} ↗` : button.text;
      element.addEventListener("click", () => tapInlineButton(message.message_id, button));
      line.append(element);
    }
    keyboard.append(line);
  }
  return keyboard;
}

// -- applying what the stand-in reports ----------------------------------------------------------

function applyMessage(message) {
  const existing = view.bubbles.get(message.message_id);
  if (message.deleted) {
    if (existing) existing.remove();
    view.bubbles.delete(message.message_id);
    return;
  }
  const element = renderMessage(message);
  if (existing) {
    existing.replaceWith(element); // an edit updates the bubble in place
  } else {
    const later = [...view.bubbles.entries()].find(([id]) => id > message.message_id);
    if (later) later[1].before(element);
    else $("chat").append(element);
  }
  view.bubbles.set(message.message_id, element);
}

function applyReplyKeyboard(keyboard) {
  const panel = $("reply-keyboard");
  panel.replaceChildren();
  panel.hidden = !keyboard;
  if (!keyboard) {
    $("input").placeholder = "Message";
    return;
  }
  $("input").placeholder = keyboard.placeholder || "Message";
  for (const buttons of keyboard.rows) {
    const line = row("kb-row");
    for (const button of buttons) {
      const element = document.createElement("button");
      element.type = "button";
      element.className = "reply-button";
      element.dir = "auto";
      element.textContent = button.text;
      element.addEventListener("click", () => tapReplyButton(button, keyboard));
      line.append(element);
    }
    panel.append(line);
  }
}

let toastTimer = null;
function showToast(text) {
  const toast = $("toast");
  toast.textContent = text;
  toast.dir = "auto";
  toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { toast.hidden = true; }, 2500);
}

function apply(answer) {
  const chat = $("chat");
  const atBottom = chat.scrollHeight - chat.scrollTop - chat.clientHeight < 80;
  for (const message of answer.messages) applyMessage(message);
  for (const record of answer.toasts) {
    if (record.text && !view.toastsShown.has(record.query_id)) showToast(record.text);
    view.toastsShown.add(record.query_id);
  }
  applyReplyKeyboard(answer.reply_keyboard);
  view.revision = Math.max(view.revision, answer.revision);
  if (atBottom || answer.messages.length) chat.scrollTop = chat.scrollHeight;
}

async function pollChat(generation) {
  while (generation === view.pollGeneration) {
    try {
      const path = `chats/${view.persona.user_id}/messages?since=${view.revision}&wait=20`;
      const answer = await api(path, undefined, view.pollAbort.signal);
      if (generation !== view.pollGeneration) return;
      apply(answer);
    } catch (error) {
      if (generation !== view.pollGeneration) return;
      console.warn("poll failed", error);
      await sleep(1000);
    }
  }
}

// -- user actions ---------------------------------------------------------------------------------

function userPath(action) {
  return `users/${view.persona.user_id}/${action}`;
}

function personaBody() {
  return { first_name: view.persona.name, language_code: view.persona.language_code };
}

async function act(action, body) {
  try {
    await api(userPath(action), { ...personaBody(), ...body });
  } catch (error) {
    showToast(error.message);
  }
}

async function sendTyped(event) {
  event.preventDefault();
  const input = $("input");
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  const command = text.match(/^(\/[A-Za-z0-9_]+)(?:@\w+)?(?:\s+([\s\S]*))?$/);
  if (command) await act("command", { command: command[1], payload: command[2] || "" });
  else await act("text", { text });
}

function tapInlineButton(messageId, button) {
  if (button.url) {
    window.open(button.url, "_blank", "noopener");
    return;
  }
  act("callback", { data: button.callback_data, message_id: messageId });
}

function tapReplyButton(button) {
  if (button.request_location) {
    openLocationSheet(button.text);
    return;
  }
  act("reply_button", { label: button.text });
}

function openLocationSheet(replyButtonLabel) {
  view.pendingLocationButton = replyButtonLabel;
  $("share-contact").hidden = Boolean(replyButtonLabel);
  $("location-sheet").hidden = false;
}

function closeLocationSheet() {
  view.pendingLocationButton = null;
  $("location-sheet").hidden = true;
}

function shareLocation(place) {
  const label = view.pendingLocationButton;
  closeLocationSheet();
  if (label) act("reply_button", { label, lat: place.lat, lon: place.lon });
  else act("location", { lat: place.lat, lon: place.lon });
}

// -- personas -------------------------------------------------------------------------------------

function pickPersona(persona) {
  view.persona = persona;
  view.revision = 0;
  view.pollGeneration += 1;
  if (view.pollAbort) view.pollAbort.abort();
  view.pollAbort = new AbortController();
  view.bubbles.clear();
  $("toast").hidden = true;
  view.toastsShown.clear();
  $("chat").replaceChildren();
  applyReplyKeyboard(null);
  closeLocationSheet();
  for (const chip of document.querySelectorAll(".persona")) {
    chip.classList.toggle("active", Number(chip.dataset.userId) === persona.user_id);
  }
  $("input").lang = persona.language_code || "";
  api("users", { user_id: persona.user_id, ...personaBody() }).catch(() => {});
  pollChat(view.pollGeneration);
}

async function start() {
  const config = await api("config");
  view.config = config;
  $("bot-name").textContent = config.bot.first_name;
  $("subtitle").textContent = `@${config.bot.username} · bot`;
  const bar = $("personas");
  for (const persona of config.personas) {
    const chip = document.createElement("button");
    chip.type = "button";
    chip.className = "persona";
    chip.dir = "auto";
    chip.dataset.userId = persona.user_id;
    chip.textContent = persona.name;
    chip.addEventListener("click", () => pickPersona(persona));
    bar.append(chip);
  }
  for (const place of config.locations) {
    const option = document.createElement("button");
    option.type = "button";
    option.className = "sheet-option location-option";
    option.textContent = `📍 ${place.label}`;
    option.addEventListener("click", () => shareLocation(place));
    $("location-options").append(option);
  }
  $("composer").addEventListener("submit", sendTyped);
  $("attach").addEventListener("click", () => openLocationSheet(null));
  $("sheet-cancel").addEventListener("click", closeLocationSheet);
  $("share-contact").addEventListener("click", () => { closeLocationSheet(); act("contact", { own: true }); });
  const wanted = Number(new URLSearchParams(location.search).get("user"));
  pickPersona(config.personas.find((p) => p.user_id === wanted) || config.personas[0]);
}

start();
