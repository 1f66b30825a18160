import { findItem } from '../store.js';
