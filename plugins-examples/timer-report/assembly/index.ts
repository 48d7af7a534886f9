// timer-report: an example LifecycleManagement + TimerCallback plugin.
//
// It shows the start-up path and timers: OnInit receives the plugin's `[PluginConfig.<id>]`
// settings, checks them (a missing one fails the load, naming the key) and registers a timer;
// when it fires, OnTimerCallback POSTs a small JSON report to the configured URL. Settings:
//
//   report_url     required  where the report is POSTed
//   delay_seconds  optional  seconds until the timer fires (default 1)
//   payload        optional  the timer's payload, echoed in the report (default "timer-report")
//
// The report is `{"timer_id": "<id>", "payload": "<payload as UTF-8>"}`. Plugins are stateless:
// the callback runs in a fresh instance, so it reads report_url again through getPluginConfig().

import {
  API_VERSION,
  decodeRequest,
  getPluginConfig,
  httpPost,
  registerTimer,
  respond,
  utf8Bytes,
  utf8Text,
} from "@ndphost/plugin-sdk-as/assembly";
import { InitRequest } from "@ndphost/plugin-sdk-as/assembly/messages/api/InitRequest";
import { InitResponse } from "@ndphost/plugin-sdk-as/assembly/messages/api/InitResponse";
import { TimerCallbackRequest } from "@ndphost/plugin-sdk-as/assembly/messages/api/TimerCallbackRequest";
import { TimerCallbackResponse } from "@ndphost/plugin-sdk-as/assembly/messages/api/TimerCallbackResponse";
import { HttpRequest } from "@ndphost/plugin-sdk-as/assembly/messages/http/HttpRequest";
import { TimerRequest } from "@ndphost/plugin-sdk-as/assembly/messages/timer/TimerRequest";

export { malloc, free } from "@ndphost/plugin-sdk-as/assembly";

const REPORT_URL_KEY = "report_url";
const DELAY_KEY = "delay_seconds";
const PAYLOAD_KEY = "payload";
const DEFAULT_DELAY_SECONDS: i32 = 1;
const DEFAULT_PAYLOAD = "timer-report";
/** The id of the one timer this plugin keeps; registering it again replaces it. */
const TIMER_ID = "report";
const TIMEOUT_MS: i32 = 5000;

// ---- LifecycleManagement ---------------------------------------------------------------

export function lifecycle_management_api_version(): i64 {
  return API_VERSION;
}

export function lifecycle_management_on_init(ptr: usize, len: i32): u64 {
  const req = decodeRequest<InitRequest>(ptr, len, InitRequest.decode);
  const config = req.config;
  if (setting(config, REPORT_URL_KEY) == "") return initFailed(REPORT_URL_KEY + " is not set; add it to [PluginConfig.<plugin id>]");

  let delay = DEFAULT_DELAY_SECONDS;
  const delayText = setting(config, DELAY_KEY);
  if (delayText != "") {
    delay = parseSeconds(delayText);
    if (delay < 0) return initFailed(DELAY_KEY + " must be a whole number of seconds, got \"" + delayText + "\"");
  }
  const payloadText = setting(config, PAYLOAD_KEY);
  const payload = utf8Bytes(payloadText != "" ? payloadText : DEFAULT_PAYLOAD);

  const res = registerTimer(new TimerRequest(payload, delay, TIMER_ID));
  if (res.error != "") return initFailed("cannot register timer " + TIMER_ID + ": " + res.error);
  return respond<InitResponse>(new InitResponse(""), InitResponse.encode);
}

function initFailed(message: string): u64 {
  return respond<InitResponse>(new InitResponse("timer-report: " + message), InitResponse.encode);
}

// ---- TimerCallback ---------------------------------------------------------------------

export function timer_callback_api_version(): i64 {
  return API_VERSION;
}

export function timer_callback_on_timer_callback(ptr: usize, len: i32): u64 {
  const req = decodeRequest<TimerCallbackRequest>(ptr, len, TimerCallbackRequest.decode);
  const reportUrl = setting(getPluginConfig(), REPORT_URL_KEY);
  if (reportUrl == "") return callbackFailed(REPORT_URL_KEY + " is not set");

  const body = "{\"timer_id\": " + jsonString(req.timerId) + ", \"payload\": " + jsonString(utf8Text(req.payload)) + "}";
  const headers = new Map<string, string>();
  headers.set("content-type", "application/json");
  const res = httpPost(new HttpRequest(reportUrl, headers, TIMEOUT_MS, utf8Bytes(body)));
  if (res.error != "") return callbackFailed(res.error);
  if (res.status < 200 || res.status > 299) return callbackFailed("POST " + reportUrl + " answered status " + res.status.toString());
  return respond<TimerCallbackResponse>(new TimerCallbackResponse(""), TimerCallbackResponse.encode);
}

function callbackFailed(message: string): u64 {
  return respond<TimerCallbackResponse>(new TimerCallbackResponse("timer-report: " + message), TimerCallbackResponse.encode);
}

// ---- helpers ---------------------------------------------------------------------------

/** The value of `key`, or "" when it is missing (Map.get would abort). */
function setting(config: Map<string, string>, key: string): string {
  return config.has(key) ? config.get(key) : "";
}

/** A whole number of seconds (at most 9 digits), or -1 when `text` is not one. */
function parseSeconds(text: string): i32 {
  if (text.length == 0 || text.length > 9) return -1;
  let value: i32 = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -1;
    value = value * 10 + (c - 0x30);
  }
  return value;
}

/** `text` as a JSON string literal: quotes, backslashes and control characters escaped. */
function jsonString(text: string): string {
  let out = "\"";
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c == 0x22) out += "\\\"";
    else if (c == 0x5c) out += "\\\\";
    else if (c == 0x0a) out += "\\n";
    else if (c == 0x0d) out += "\\r";
    else if (c == 0x09) out += "\\t";
    else if (c < 0x20) out += "\\u00" + (c < 0x10 ? "0" : "") + c.toString(16);
    else out += String.fromCharCode(c);
  }
  return out + "\"";
}
