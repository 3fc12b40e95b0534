// A JSON answer made once and sent to many requests (a page of a cloud's listing that several
// clients ask for within the listing's window): its bytes and ETag are computed on first send,
// so later sends skip what res.json does per request (stringify, UTF-8 encoding, the ETag hash).
// The headers are those res.json gives the same text.
import type { Response } from 'express';

type EtagFn = (body: Buffer, encoding?: BufferEncoding) => string | undefined;

export class PreparedJson {
  private bytes?: Buffer;
  private tag?: { fn: EtagFn; value: string | undefined };

  /** `text`: exactly what JSON.stringify makes of the answer. */
  constructor(readonly text: string) {}

  send(res: Response): void {
    this.bytes ??= Buffer.from(this.text, 'utf8');
    const etagFn = res.app.get('etag fn') as EtagFn | undefined;
    if (typeof etagFn === 'function' && !res.get('ETag')) {
      if (this.tag?.fn !== etagFn) this.tag = { fn: etagFn, value: etagFn(this.bytes) };
      if (this.tag.value) res.set('ETag', this.tag.value);
    }
    res.set('Content-Type', 'application/json; charset=utf-8');
    res.send(this.bytes);
  }
}
