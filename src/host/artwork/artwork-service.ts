import type * as Jwt from 'jsonwebtoken';
import type { Logger } from 'pino';
import type { GetArtworkUrlRequest, GetArtworkUrlResponse } from '../../../generated/ts/host/artwork/artwork';

/** The kinds of artwork, by the prefix of their artwork id in the main server (artist, album, media file). */
export type ArtworkKind = 'ar' | 'al' | 'mf';

export interface ArtworkServiceOptions {
  /** The main server's public URL with its base path (Navidrome.BaseURL); '' when unset. */
  readonly baseUrl: string;
  /** Navidrome.ShareURL: when set, its scheme and host are used instead; '' when unset. */
  readonly shareUrl: string;
  /** The secret the main server signs share tokens with (Navidrome.JWTSecret); '' when unset. */
  readonly jwtSecret: string;
  readonly log: Logger;
}

/**
 * The artwork host service: public share URLs of the main server's images, built as Navidrome
 * builds them (released-dialect.md, artwork): `<server>/share/img/<token>[?size=N]`, where the
 * token is a non-expiring HS256 JWT with issuer `ND` and claim `id` = `<kind>-<id>_0`, signed with
 * the main server's secret so the main server serves it. Without the secret or a public URL the
 * answer is an empty url (never an error), and the log says once what is missing.
 */
export class ArtworkService {
  /** `scheme://host[/base path]` that share URLs start with, or undefined when not configured. */
  private readonly origin: string | undefined;
  private warned = false;

  constructor(private readonly options: ArtworkServiceOptions) {
    const { shareUrl, baseUrl, jwtSecret } = options;
    if (jwtSecret === '') this.origin = undefined;
    // As Navidrome: ShareURL's scheme and host, its path dropped; else BaseURL with its base path.
    else if (shareUrl !== '') this.origin = new URL(shareUrl).origin;
    else if (baseUrl !== '') this.origin = baseUrl.replace(/\/+$/, '');
    else this.origin = undefined;
  }

  url(kind: ArtworkKind, { id, size }: GetArtworkUrlRequest): GetArtworkUrlResponse {
    if (this.origin === undefined) {
      this.warnOnce();
      return { url: '' };
    }
    // Required here, not at start-up (~20 ms and 60 modules most sidecars never use, issue 10).
    const jwt = require('jsonwebtoken') as typeof Jwt;
    const token = jwt.sign({ id: `${kind}-${id}_0` }, this.options.jwtSecret, { algorithm: 'HS256', issuer: 'ND', noTimestamp: true });
    return { url: `${this.origin}/share/img/${token}${size > 0 ? `?size=${size}` : ''}` };
  }

  private warnOnce(): void {
    if (this.warned) return;
    this.warned = true;
    const missing = [this.options.jwtSecret === '' ? 'Navidrome.JWTSecret' : '', this.options.baseUrl === '' && this.options.shareUrl === '' ? 'Navidrome.BaseURL (or ShareURL)' : '']
      .filter((key) => key !== '')
      .join(' and ');
    this.options.log.warn({ missing }, `a plugin asked for an artwork URL, answered with an empty one: set ${missing} so share URLs can be built as the main server builds them`);
  }
}
