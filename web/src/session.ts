import { reactive } from 'vue';
import { api, ApiError, request, setBearer } from './api';
import type { Role } from './types';

export interface Profile {
  username?: string;
  name: string;
  role: Role;
  unitCode?: string | null;
  unitName?: string | null;
  expiresAt?: string;
}

const PROFILE_KEY = 'hotline_profile';

/** Who is signed in; loaded once, from the session cookie or from this tab's token. */
export const session = reactive<{ user: Profile | null; loaded: boolean }>({ user: null, loaded: false });

export async function loadSession(): Promise<Profile | null> {
  if (session.loaded) return session.user;
  const saved = sessionStorage.getItem(PROFILE_KEY);
  if (saved) {
    session.user = JSON.parse(saved) as Profile;
  } else {
    try {
      session.user = await request<Profile>('GET', '/api/v1/session', undefined, { quiet401: true });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      session.user = null;
    }
  }
  session.loaded = true;
  return session.user;
}

export async function signIn(username: string, password: string): Promise<Profile> {
  setBearer(null);
  sessionStorage.removeItem(PROFILE_KEY);
  session.user = await request<Profile>('POST', '/api/v1/session', { username, password }, { quiet401: true });
  session.loaded = true;
  return session.user;
}

/**
 * A pasted API token. Where the server opens a full session for it (its answer carries a CSRF
 * token) the cookies do the rest; an older server's cookie only reads, so the token is then kept
 * for this tab and sent as a bearer header.
 */
export async function signInWithToken(token: string): Promise<Profile> {
  setBearer(null);
  const profile = await request<Profile & { csrfToken?: string }>('POST', '/api/v1/session', { token }, { quiet401: true });
  if (!profile.csrfToken) {
    setBearer(token);
    sessionStorage.setItem(PROFILE_KEY, JSON.stringify(profile));
  }
  session.user = profile;
  session.loaded = true;
  return profile;
}

export async function signOut(): Promise<void> {
  try {
    await api.del('/api/v1/session');
  } finally {
    setBearer(null);
    sessionStorage.removeItem(PROFILE_KEY);
    session.user = null;
  }
}

export function forget(): void {
  setBearer(null);
  sessionStorage.removeItem(PROFILE_KEY);
  session.user = null;
}

/** Where each role starts. */
export const HOME: Record<Role, string> = { operator: '/triage', unit: '/inbox', commander: '/dashboard', admin: '/triage' };
