// Preact + htm: tagged templates instead of JSX, so the browser runs these files as they are.
import { h, render } from '../vendor/preact.js';
import htm from '../vendor/htm.js';

export { render };
export { useState, useEffect, useRef, useCallback, useMemo } from '../vendor/hooks.js';
export const html = htm.bind(h);
