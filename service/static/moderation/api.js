// The JSON API, on this origin, with the moderator's bearer token from sessionStorage.
import { lang } from "./i18n.js";

const KEY = "causerie.moderator-token";
const BASE = "/api/v1/moderation";

export const token = {
  get: () => sessionStorage.getItem(KEY),
  set: (value) => sessionStorage.setItem(KEY, value),
  forget: () => sessionStorage.removeItem(KEY),
};

/** What the page does when the token stops working (set by main.js). */
let onRevoked = () => {};
export function whenRevoked(handler) {
  onRevoked = handler;
}

/** The service did not answer, or answered with something that is not JSON. */
export class Offline extends Error {}

/**
 * One request to the moderation API: resolves to {status, body} whatever the status
 * (the caller decides what a 409 or 422 means); a 401 also signs the page out.
 */
export async function call(method, path, { query, body, bearer = token.get() } = {}) {
  const url = new URL(BASE + path, location.origin);
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, value);
  }
  const headers = { Accept: "application/json", "Accept-Language": lang };
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(url, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit", cache: "no-store", referrerPolicy: "no-referrer",
    });
  } catch (error) {
    throw new Offline(String(error));
  }
  let parsed = null;
  if (response.status !== 204) {
    try {
      parsed = await response.json();
    } catch (error) {
      throw new Offline(String(error));
    }
  }
  if (response.status === 401 && bearer === token.get()) onRevoked();
  return { status: response.status, body: parsed };
}
